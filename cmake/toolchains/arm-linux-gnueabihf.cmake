# Debian armhf (32-bit ARMv7, hard float) cross build:
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm-linux-gnueabihf.cmake
# Normally driven by scripts/package.sh --arch armhf or scripts/cross-test.sh armhf.
set(UP_CROSS_TRIPLET arm-linux-gnueabihf)
set(UP_CROSS_PROCESSOR armv7l)
set(UP_CROSS_DEB_ARCH armhf)
set(UP_CROSS_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
