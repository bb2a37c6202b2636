// Marks functions that CUDA sources compile for the device as well as the host
// (pure functions shared by both sides, so the host can check the GPU's work).
#pragma once

#if defined(__CUDACC__)
#define SGC_HOST_DEVICE __host__ __device__
#else
#define SGC_HOST_DEVICE
#endif
