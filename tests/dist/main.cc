// The distributed tests' main: MPI around GoogleTest. Every rank runs every
// test in the same order (the tests are collective); only rank 0 prints, and
// the tests compare figures that are all-reduced first, so every rank passes
// or fails together and mpirun's exit status is the suite's.
#include <gtest/gtest.h>

#include "sgc/dist/comm.h"

int main(int argc, char** argv) {
  sgc::dist::MpiSession mpi(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (sgc::dist::Comm().rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  return RUN_ALL_TESTS();
}
