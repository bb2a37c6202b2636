// See spmm_plan.h.
#include "sgc/ops/spmm_plan.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "sgc/ops/kernels/kernel_table.h"

namespace sgc {

namespace {

// Rows shorter than this on average: streaming A once per panel costs more
// than the cheaper gathers save (crossover measured on real graphs with
// d = 602: 13 non-zeros a row 0.92x, 37 a row 1.7x; bench/reorder_bench).
constexpr int64_t kPanelMinRowLength = 16;

std::string mib(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, bytes >= (1 << 20) ? "%.1f MiB" : "%.0f KiB",
                bytes >= (1 << 20) ? double(bytes) / (1 << 20) : double(bytes) / 1024);
  return buf;
}

}  // namespace

SpmmPlan plan_spmm(int64_t a_rows, int64_t nnz, int64_t n, int64_t d, int64_t elem_bytes, int threads,
                   SpmmKernel kernel) {
  SpmmPlan p;
  p.usable_cache = usable_cache_bytes(threads);
  if (kernel == SpmmKernel::Auto)
    p.panels = d >= 64 && n * d * elem_bytes > p.usable_cache && nnz >= kPanelMinRowLength * std::max<int64_t>(1, a_rows);
  else
    p.panels = kernel == SpmmKernel::Panels;
  // The widest panel (fewest passes over A) that leaves half the usable
  // cache to the rest (A's stream, the output), no wider than X.
  for (int64_t w : {128, 64, 32})
    if (n * w * elem_bytes <= p.usable_cache / 2 && w <= (d + 15) / 16 * 16) {
      p.panel_width = w;
      break;
    }
  // Whole rows: prefetch the first lines of the row two non-zeros ahead (made
  // one hop 1.8x faster on the Reddit-shaped graph); no more lines than a row has.
  p.row_prefetch_lines = std::min<int64_t>(4, (d * elem_bytes + 63) / 64);
  return p;
}

std::string describe_kernels(int threads) {
  const HostCaches& c = host_caches();
  const kernels::KernelTable& k = kernels::active();
  std::ostringstream o;
  o << "kernels: " << k.name << " (CPU supports up to " << kernels::isa_name(kernels::detected_isa())
    << "; SGC_KERNEL=scalar|avx2|avx512 forces one), bf16 conversion " << k.bf16_name << "\n";
  o << "caches (" << c.source << "): L1d " << mib(c.l1d) << ", L2 " << mib(c.l2) << ", L3 " << mib(c.l3);
  if (c.l3_sharers > 0)
    o << " shared by " << c.l3_sharers << " CPUs";
  else
    o << " (sharing not reported: at most " << mib(kL3PerCore) << " of it a thread)";
  o << "\n";
  const int64_t usable = usable_cache_bytes(threads);
  o << "spmm with " << threads << " threads: usable cache " << mib(usable)
    << "; column panels when X is larger than that and rows average >= " << kPanelMinRowLength
    << " non-zeros; panel width for n nodes: 128 columns up to n = " << usable / 2 / (128 * 4) << ", 64 up to "
    << usable / 2 / (64 * 4) << ", 32 up to " << usable / 2 / (32 * 4)
    << ", else 16 (16-bit X: panels stored in 16 bits, so each width up to twice these n)\n";
  return o.str();
}

}  // namespace sgc
