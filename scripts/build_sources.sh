#!/usr/bin/env bash
# The files the device programs are compiled from (CMake collects them by
# folder), one a line, sorted: device_prepare.sh records their hashes, and
# device_check.sh checks the tree that travels with the build against them
# (a file changed, gone or new).
cd "$(dirname "$0")/.."
find CMakeLists.txt src tests bench tools -type f \( -name '*.cc' -o -name '*.h' -o -name '*.cu' -o -name '*.cuh' \
  -o -name '*.map' -o -name CMakeLists.txt \) | LC_ALL=C sort
