"""Builds sgc._core with the repository's CMake and packages it with python/sgc.

Used by pip (see pyproject.toml); no network needed. Environment:
  SGC_CMAKE_BUILD_DIR   reuse this CMake build folder (default: under build_temp)
  SGC_NATIVE=1          tune everything for the build machine's CPU (-march=native; the module may then
                        not run on another CPU). Default: portable, kernels chosen at run time
  CMAKE_BUILD_PARALLEL_LEVEL   build jobs (default 2)
"""

import glob
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        if not os.path.isfile(os.path.join(REPO, "CMakeLists.txt")):
            raise RuntimeError(f"sgc: the C++ sources are not at {REPO}; install from the repository's python/ folder")
        build_dir = os.environ.get("SGC_CMAKE_BUILD_DIR") or os.path.join(os.path.abspath(self.build_temp), "cmake")
        args = [
            f"-DPython3_EXECUTABLE={sys.executable}",
            "-DCMAKE_BUILD_TYPE=Release",
            "-DSGC_BUILD_PYTHON=ON",
            "-DSGC_BUILD_TESTS=OFF",
            "-DSGC_BUILD_BENCH=OFF",
            f"-DSGC_NATIVE={'ON' if os.environ.get('SGC_NATIVE') == '1' else 'OFF'}",
        ]
        if shutil.which("ninja") and not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            args += ["-G", "Ninja"]
        subprocess.check_call(["cmake", "-S", REPO, "-B", build_dir] + args)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "_core", "-j", jobs])
        built = glob.glob(os.path.join(build_dir, "python", "sgc", "_core*.so"))
        if len(built) != 1:
            raise RuntimeError(f"sgc: expected one _core*.so in {build_dir}/python/sgc, found {built}")
        dest = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(built[0], dest)
        # The CUDA module (built when CMake found nvcc) is loaded from beside _core.
        cuda_module = os.path.join(build_dir, "python", "sgc", "libsgc_cuda.so")
        if os.path.exists(cuda_module):
            shutil.copyfile(cuda_module, os.path.join(os.path.dirname(dest), "libsgc_cuda.so"))


setup(ext_modules=[CMakeExtension("sgc._core")], cmdclass={"build_ext": CMakeBuild})
