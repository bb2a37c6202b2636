#include "sgc/util/threads.h"

#include <omp.h>

#include <string>

#include "sgc/error.h"

namespace sgc {

void set_num_threads(int n) {
  if (n < 0 || n > kMaxThreads)
    throw ArgumentError("--threads: must be in [0, " + std::to_string(kMaxThreads) + "] (0: all cores), got " +
                        std::to_string(n));
  static const int initial = omp_get_max_threads();  // OMP_NUM_THREADS, else all cores
  omp_set_num_threads(n > 0 ? n : initial);
}

int num_threads() { return omp_get_max_threads(); }

}  // namespace sgc
