// The model registry (model.h). To add a model: a file with its Model class
// and ModelDef, and one line in the list below.
#include <algorithm>
#include <cmath>

#include "sgc/error.h"
#include "sgc/model/model.h"
#include "sgc/util/named.h"
#include "sgc/util/printable.h"

namespace sgc {

// Each defined in the model's own file.
const ModelDef& linear_model();
const ModelDef& acm_model();
const ModelDef& tsc_model();

const std::vector<const ModelDef*>& models() {
  static const std::vector<const ModelDef*> table{&linear_model(), &tsc_model(), &acm_model()};
  return table;
}

const ModelDef& default_model() { return linear_model(); }

std::string model_list() { return name_list(models()); }

void require_verifier(const Config& c) {
  if (!c.model->has_verifier)
    throw ArgumentError("--verify: the " + std::string(c.model->name) + " model has no verifier");
}

double verify_tolerance(Precision stored) {
  switch (stored) {
    case Precision::Bf16: return 2e-2;
    case Precision::Fp16: return 5e-3;
    default: return 1e-4;
  }
}

VerifyReport compare_to_reference(const DenseMatrix& computed, const Eigen::MatrixXd& reference, double tolerance) {
  if (computed.rows() != reference.rows() || computed.cols() != reference.cols())
    throw Error("verify: the computed rows are " + std::to_string(computed.rows()) + " x " +
                std::to_string(computed.cols()) + ", the reference " + std::to_string(reference.rows()) + " x " +
                std::to_string(reference.cols()));
  VerifyReport out;
  out.tolerance = tolerance;
  out.rows = computed.rows();
  out.columns = computed.cols();
  // Eigen's maxCoeff drops a NaN that is not first: any non-finite value fails outright (passed() is false).
  if (!computed.allFinite() || !reference.allFinite()) {
    out.max_relative_error = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  for (Eigen::Index j = 0; j < computed.cols(); ++j) {
    const double scale = reference.col(j).cwiseAbs().maxCoeff();
    const double diff = (computed.col(j).cast<double>() - reference.col(j)).cwiseAbs().maxCoeff();
    // An all-zero reference column: the absolute difference.
    out.max_relative_error = std::max(out.max_relative_error, scale > 0 ? diff / scale : diff);
  }
  return out;
}

VerifyReport Model::verify(Dataset, const Config& c) const {
  require_verifier(c);
  throw ArgumentError("--verify: the " + std::string(c.model->name) + " model does not implement its verifier");
}

DenseMatrix Model::representation(Dataset, const Config& c) const {
  throw ArgumentError("the " + std::string(c.model->name) + " model does not expose its representation");
}

namespace {
const nlohmann::json& state_field(const ModelState& s, const char* name) {
  if (!s.header.is_object() || !s.header.contains(name))
    throw FormatError("state field " + std::string(name) + ": missing");
  return s.header[name];
}
}  // namespace

int64_t state_integer(const ModelState& s, const char* name, int64_t low, int64_t high) {
  const nlohmann::json& v = state_field(s, name);
  bool ok = false;
  if (v.is_number_unsigned()) ok = high >= 0 && v.get<uint64_t>() <= uint64_t(high) && int64_t(v.get<uint64_t>()) >= low;
  else if (v.is_number_integer()) ok = v.get<int64_t>() >= low && v.get<int64_t>() <= high;
  if (!ok)
    throw FormatError("state field " + std::string(name) + ": expected an integer in [" + std::to_string(low) + ", " +
                      std::to_string(high) + "], got " + printable(v.dump(), 60));
  return v.get<int64_t>();
}

std::vector<float> state_floats(const ModelState& s, const char* name) {
  const nlohmann::json& v = state_field(s, name);
  if (!v.is_array()) throw FormatError("state field " + std::string(name) + ": expected a list of numbers");
  std::vector<float> out;
  out.reserve(v.size());
  for (const nlohmann::json& x : v) {
    if (!x.is_number() || !std::isfinite(float(x.get<double>())))
      throw FormatError("state field " + std::string(name) + ": " + printable(x.dump(), 40) +
                        " is not a finite float");
    out.push_back(float(x.get<double>()));
  }
  return out;
}

const ModelDef& find_model(std::string_view name) { return find_named(models(), name, "--model", "model"); }

}  // namespace sgc
