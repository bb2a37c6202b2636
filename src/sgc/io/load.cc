#include "sgc/io/load.h"

#include <cstdlib>
#include <filesystem>

#include "sgc/error.h"
#include "sgc/io/planetoid.h"

#ifndef SGC_BUILD_DATA_DIR
#define SGC_BUILD_DATA_DIR "../shared/data"
#endif

namespace sgc {

std::string default_data_root() {
  if (const char* env = std::getenv("SGC_DATA_DIR"); env && *env) return env;
  if (std::filesystem::is_directory("../shared/data")) return "../shared/data";
  return SGC_BUILD_DATA_DIR;
}

Dataset load_dataset(const std::string& name, const std::string& dir) {
  if (name == "cora" || name == "citeseer" || name == "pubmed")
    return load_planetoid(dir.empty() ? default_data_root() + "/planetoid" : dir, name);
  throw ArgumentError("--dataset: unknown data set '" + name + "' (known: cora, citeseer, pubmed)");
}

}  // namespace sgc
