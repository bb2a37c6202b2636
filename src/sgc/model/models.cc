// The model registry (model.h). To add a model: a file with its Model class
// and ModelDef, and one line in the list below.
#include "sgc/error.h"
#include "sgc/model/model.h"
#include "sgc/util/named.h"

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

VerifyReport Model::verify(Dataset, const Config& c) const {
  throw ArgumentError("--verify: the " + std::string(c.model->name) + " model has no verifier");
}

DenseMatrix Model::representation(Dataset, const Config& c) const {
  throw ArgumentError("the " + std::string(c.model->name) + " model does not expose its representation");
}

const ModelDef& find_model(std::string_view name) { return find_named(models(), name, "--model", "model"); }

}  // namespace sgc
