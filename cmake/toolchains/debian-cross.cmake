# Shared part of the Debian multiarch cross toolchain files (aarch64-linux-gnu.cmake,
# arm-linux-gnueabihf.cmake). The including file sets UP_CROSS_TRIPLET, UP_CROSS_PROCESSOR,
# UP_CROSS_DEB_ARCH and UP_CROSS_QEMU before including this one.
#
# Compilers: Debian bookworm's cross toolchains (crossbuild-essential-<arch>). Libraries and
# headers: the multiarch -dev packages (libcurl4-openssl-dev:<arch>, …) installed by
# scripts/install-deps.sh --cross, found in /usr/lib/<triplet> and /usr/include[/<triplet>].
# Programs built here run on this machine under qemu-user (qemu-user-static): CMake uses the
# emulator for gtest discovery and ctest; the packaging step (example-config) uses it too.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${UP_CROSS_PROCESSOR})
set(CMAKE_LIBRARY_ARCHITECTURE ${UP_CROSS_TRIPLET})
set(CMAKE_C_COMPILER ${UP_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${UP_CROSS_TRIPLET}-g++)
set(CMAKE_CROSSCOMPILING_EMULATOR /usr/bin/${UP_CROSS_QEMU};-L;/usr/${UP_CROSS_TRIPLET})
# The Debian architecture the .deb files are built for (packaging/CMakeLists.txt).
set(UPLINKPROBE_DEB_ARCH ${UP_CROSS_DEB_ARCH} CACHE STRING "Debian architecture of the packages")

# Multiarch: target libraries live beside the build machine's, in /usr/lib/<triplet>, so there
# is no sysroot; the build machine's programs (msgfmt, python3, clang-format) are used as they
# are. pkg-config must read only the target's .pc files.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${UP_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
