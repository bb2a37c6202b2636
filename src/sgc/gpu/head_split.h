// How the softmax head's gradient on the GPU (cuda/softmax_head.cu) splits
// its reduction over rows, CUDA-free so that every build tests it.
//
// grad W = X^T P has a d x C output (602 x 41 for Reddit) summed over every
// training row (153,756). A GEMM parallelises over tiles of its output, so
// this shape gives a handful of tiles and leaves most multiprocessors idle
// unless the library splits the sum itself. Split (SGC_GPU_HEAD_SPLIT=1),
// the rows are cut into chunks, about two per multiprocessor and at least
// kMinHeadChunkRows rows each, one GEMM of a strided batch per chunk; the
// chunks' partial products are then added in chunk order in double, so the
// gradient is the same bits every run (not the unsplit GEMM's bits: another
// order of sums).
#pragma once

#include <algorithm>
#include <cstdint>

namespace sgc {

// A chunk shorter than this would make each GEMM of the batch too small to
// run at speed; fewer rows than two of them are not split.
constexpr int64_t kMinHeadChunkRows = 1024;

// `chunks` chunks of `chunk_rows` rows, the last one holding what is left
// (1 to chunk_rows rows); chunks == 1: not split.
struct HeadSplit {
  int64_t chunk_rows = 0;
  int64_t chunks = 1;
};

inline HeadSplit split_head_rows(int64_t rows, int multiprocessors) {
  HeadSplit s;
  s.chunk_rows = rows;
  if (rows < 2 * kMinHeadChunkRows || multiprocessors < 1) return s;
  const int64_t wanted = 2 * int64_t(multiprocessors);
  s.chunk_rows = std::max(kMinHeadChunkRows, (rows + wanted - 1) / wanted);
  s.chunks = (rows + s.chunk_rows - 1) / s.chunk_rows;
  return s;
}

}  // namespace sgc
