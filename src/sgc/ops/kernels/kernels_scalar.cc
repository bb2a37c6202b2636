// The scalar variant of the propagation kernels (kernel_body.h), compiled with
// none (baseline x86-64: SSE2) (CMakeLists.txt sets this file's flags).
#define SGC_KERNEL_NS scalar
#define SGC_KERNEL_TABLE kScalarTable
#define SGC_KERNEL_TABLE_BF16 kScalarBf16Table
#define SGC_KERNEL_ISA Isa::Scalar
#define SGC_KERNEL_NAME "scalar"
#include "sgc/ops/kernels/kernel_body.h"
