// S in device memory as the hop kernels read it (int64 row offsets, int32
// columns, fp32 values): uploaded from the host's S, or built on the device
// from the adjacency (normalize.cu), so that only A crosses the bus.
#pragma once

#include <cstdint>

#include "sgc/gpu/cuda/cuda_util.cuh"
#include "sgc/gpu/cuda_backend.h"
#include "sgc/graph/normalization_form.h"

namespace sgc::cuda {

struct DeviceCsrArrays {
  int64_t rows = 0, cols = 0, nnz = 0;
  Buffer<int64_t> indptr;
  Buffer<int32_t> indices;
  Buffer<float> values;
};

// Device bytes of a CSR matrix in this layout.
inline double csr_device_bytes(int64_t rows, int64_t nnz) { return double(nnz) * 8 + double(rows + 1) * 8; }

inline DeviceCsrArrays upload_csr(const CsrRef& s) {
  DeviceCsrArrays m;
  m.rows = s.rows;
  m.cols = s.cols;
  m.nnz = s.nnz;
  m.indptr = Buffer<int64_t>(s.indptr, size_t(s.rows + 1), "uploading S's row offsets");
  m.indices = Buffer<int32_t>(s.indices, size_t(s.nnz), "uploading S's column indices");
  m.values = Buffer<float>(s.values, size_t(s.nnz), "uploading S's values");
  return m;
}

// The most device memory normalize_on_device holds at once, for A of these
// sizes: A, its per-node scales and S (at most one inserted diagonal a row).
inline double normalize_device_bytes(int64_t rows, int64_t nnz) {
  return csr_device_bytes(rows, nnz) + double(rows) * (sizeof(NodeScale) + 8 + 1) +
         csr_device_bytes(rows, nnz + rows);
}

// S = the form applied to A (graph/normalization_form.h), built on the device
// from A uploaded once: entry for entry the host's normalize_by_form. A must
// be square with sorted, distinct columns in each row (graph/csr.h's
// invariant). A's device copy is freed before returning.
DeviceCsrArrays normalize_on_device(const CsrRef& a, const NormalizationForm& f);

}  // namespace sgc::cuda
