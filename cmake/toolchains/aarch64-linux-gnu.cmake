# Debian arm64 (aarch64) cross build: cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
# Normally driven by scripts/package.sh --arch arm64 or scripts/cross-test.sh arm64.
set(UP_CROSS_TRIPLET aarch64-linux-gnu)
set(UP_CROSS_PROCESSOR aarch64)
set(UP_CROSS_DEB_ARCH arm64)
set(UP_CROSS_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)

# libpq-dev is not co-installable across architectures (not Multi-Arch: same; installing
# libpq-dev:arm64 would remove the build machine's). The runtime libpq5:arm64 is, and
# libpq-fe.h with its pg_config_ext.h (PG_INT64_TYPE long int) is the same on every LP64
# target, so the arm64 collector links libpq.so.5 with the build machine's headers.
set(PostgreSQL_LIBRARY /usr/lib/aarch64-linux-gnu/libpq.so.5 CACHE FILEPATH "libpq (arm64)")
set(PostgreSQL_INCLUDE_DIR /usr/include/postgresql CACHE PATH "libpq headers")
