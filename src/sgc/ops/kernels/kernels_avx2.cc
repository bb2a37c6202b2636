// The avx2 variant of the propagation kernels (kernel_body.h), compiled with
// -mavx2 -mfma -mf16c (CMakeLists.txt sets this file's flags).
#define SGC_KERNEL_NS avx2
#define SGC_KERNEL_TABLE kAvx2Table
#define SGC_KERNEL_TABLE_BF16 kAvx2Bf16Table
#define SGC_KERNEL_ISA Isa::Avx2
#define SGC_KERNEL_NAME "avx2"
#include "sgc/ops/kernels/kernel_body.h"
