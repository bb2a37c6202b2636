// The model registry (model.h). To add a model: a file with its Model class
// and ModelDef, and one line in the list below.
#include "sgc/error.h"
#include "sgc/model/model.h"

namespace sgc {

// Each defined in the model's own file.
const ModelDef& linear_model();

const std::vector<const ModelDef*>& models() {
  static const std::vector<const ModelDef*> table{&linear_model()};
  return table;
}

const ModelDef& default_model() { return linear_model(); }

std::string model_list() {
  std::string list;
  for (const ModelDef* m : models()) list += (list.empty() ? "" : ", ") + std::string(m->name);
  return list;
}

VerifyReport Model::verify(Dataset, const Config& c) const {
  throw ArgumentError("--verify: the " + std::string(c.model->name) + " model has no verifier");
}

const ModelDef& find_model(std::string_view name) {
  for (const ModelDef* m : models())
    if (m->name == name) return *m;
  throw ArgumentError("--model: unknown model '" + std::string(name) + "' (known: " + model_list() + ")");
}

}  // namespace sgc
