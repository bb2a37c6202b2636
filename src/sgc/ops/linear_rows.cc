#include "sgc/ops/linear_rows.h"

#include <algorithm>
#include <atomic>
#include <string>

#include "sgc/error.h"
#include "sgc/ops/out_of_core.h"
#include "sgc/ops/spmm.h"

namespace sgc {

namespace {
std::atomic<int64_t> g_min_bytes{int64_t(32) << 20};
}  // namespace

bool linear_rows_supported(const OperatorSpec& spec) { return operator_output_columns(spec, 1) == 1; }

LinearRows::LinearRows(std::shared_ptr<const CsrMatrix> s, CsrMatrix x, OperatorSpec spec, std::vector<int32_t> rows)
    : s_(std::move(s)), x_(std::move(x)), spec_(std::move(spec)), rows_(std::move(rows)) {
  // 16-bit storage saves traffic on n x d hops; on the n x c ones here it
  // would only round the logits themselves (Citeseer bf16: 0.2 points).
  spec_.precision = Precision::Fp32;
  if (!s_) throw ArgumentError("linear rows: no operator matrix S");
  if (!linear_rows_supported(spec_))
    throw ArgumentError("linear rows: " + operator_summary(spec_) +
                        " does not act on each feature column alone (its hops sit side by side)");
  if (s_->cols != x_.rows)
    throw ArgumentError("linear rows: S has " + std::to_string(s_->cols) + " columns, the features " +
                        std::to_string(x_.rows) + " rows");
  for (const int32_t r : rows_)
    if (r < 0 || r >= s_->rows)
      throw ArgumentError("linear rows: row " + std::to_string(r) + " outside [0, " + std::to_string(s_->rows) + ")");
}

DenseMatrix LinearRows::times(DenseView w) const {
  if (w.rows() != cols())
    throw ArgumentError("linear rows: W has " + std::to_string(w.rows()) + " rows, the features " +
                        std::to_string(cols()) + " columns");
  DenseMatrix xw;
  spmm(x_, w, xw);  // n x c, the only n-row matrix besides the operator's own hops
  return apply_operator(*s_, FeatureInput(std::move(xw)), spec_, &rows_);
}

int64_t linear_rows_min_bytes() { return g_min_bytes.load(); }
void set_linear_rows_min_bytes(int64_t bytes) { g_min_bytes.store(std::max<int64_t>(0, bytes)); }

bool linear_rows_pay(int64_t n, int64_t d) {
  return n > 0 && d > 0 && 4.0 * double(n) * double(d) >= double(linear_rows_min_bytes());
}

int64_t lean_block_width(const OperatorSpec& spec, int64_t hop_rows, int64_t x_rows, int64_t d, int64_t out_rows,
                         int64_t state_bytes) {
  const int64_t panel = std::min(d, kColumnBlockAlign);
  if (d <= panel) return std::max<int64_t>(d, 1);
  const int64_t per_column =
      std::max<int64_t>(1, operator_memory_bytes(spec, hop_rows, 1, out_rows) + 4 * std::max<int64_t>(x_rows, 0));
  const int64_t fits = state_bytes / 4 / per_column;
  const int64_t by_memory = fits >= d ? d : std::max(panel, fits / kColumnBlockAlign * kColumnBlockAlign);
  const int64_t fewest = (d + kMaxLeanBlocks - 1) / kMaxLeanBlocks;
  const int64_t by_count = (fewest + kColumnBlockAlign - 1) / kColumnBlockAlign * kColumnBlockAlign;
  return std::min(d, std::max(by_memory, by_count));
}

}  // namespace sgc
