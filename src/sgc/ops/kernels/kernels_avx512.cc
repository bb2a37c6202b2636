// The avx512 variant of the propagation kernels (kernel_body.h), compiled with
// -mavx512f -mavx512vl -mavx512bw -mavx512dq -mavx2 -mfma -mf16c (CMakeLists.txt sets this file's flags).
#define SGC_KERNEL_NS avx512
#define SGC_KERNEL_TABLE kAvx512Table
#define SGC_KERNEL_TABLE_BF16 kAvx512Bf16Table
#define SGC_KERNEL_ISA Isa::Avx512
#define SGC_KERNEL_NAME "avx512"
#include "sgc/ops/kernels/kernel_body.h"
