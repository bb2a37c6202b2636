#include "sgc/data/generators.h"

#include <cmath>
#include <limits>
#include <string>

#include "sgc/data/products.h"
#include "sgc/data/synthetic.h"
#include "sgc/error.h"
#include "sgc/util/named.h"
#include "sgc/util/printable.h"

namespace sgc {

namespace {

using nlohmann::json;

// Copies a parameter from `params` into `field` when it is there. Types were
// checked by generate(); the range of a narrower integer field is checked here.
template <class T>
void take(const json& params, const char* name, T& field) {
  if (!params.contains(name)) return;
  if constexpr (std::is_integral_v<T>) {
    const int64_t v = params[name].get<int64_t>();
    if (v < int64_t(std::numeric_limits<T>::min()) || v > int64_t(std::numeric_limits<T>::max()))
      throw ParameterError(name, "out of range: " + std::to_string(v));
    field = T(v);
  } else {
    field = params[name].get<T>();
  }
}

// Each generator's parameters, listed once: `visit(name, field)` for every one
// it reads, used both to read params and to report defaults.
// The fields csbm and powerlaw share (products sizes itself from nodes and avg_degree).
template <class Options, class Visit>
void shape_fields(Options& o, Visit&& visit) {
  visit("nodes", o.nodes);
  visit("classes", o.classes);
  visit("features", o.features);
  visit("avg_degree", o.avg_degree);
  visit("homophily", o.homophily);
  visit("signal", o.signal);
  visit("noise", o.noise);
}

template <class Visit>
void csbm_fields(CsbmOptions& o, Visit&& visit) {
  shape_fields(o, visit);
  visit("train_per_class", o.train_per_class);
  visit("val_nodes", o.val);
  visit("test_nodes", o.test);
}

template <class Visit>
void powerlaw_fields(PowerLawOptions& o, Visit&& visit) {
  shape_fields(o, visit);
  visit("gamma", o.gamma);
  visit("max_degree_fraction", o.max_degree_fraction);
  visit("train_fraction", o.train_fraction);
  visit("val_fraction", o.val_fraction);
}

// products: nodes and avg_degree size the graph (products_sized); the rest
// are plain fields.
template <class Visit>
void products_fields(ProductsOptions& o, Visit&& visit) {
  visit("classes", o.classes);
  visit("features", o.features);
  visit("homophily", o.homophily);
  visit("signal", o.signal);
  visit("noise", o.noise);
  visit("gamma", o.gamma);
}

double products_mean_degree() {
  const ProductsOptions o;
  return 2.0 * double(o.edges) / double(o.nodes);
}

ProductsOptions products_from(const json& params, uint64_t seed) {
  int64_t nodes = ProductsOptions{}.nodes;
  double mean_degree = products_mean_degree();
  take(params, "nodes", nodes);
  take(params, "avg_degree", mean_degree);
  // products_sized() reads a degree <= 0 as "the default", and the edge
  // count it derives is checked under another name: check the degree here.
  if (!(mean_degree > 0 && mean_degree <= 2000 && mean_degree < double(nodes)))
    throw ParameterError("avg_degree", "must be in (0, min(nodes, 2000)), got " + format_number(mean_degree));
  ProductsOptions o = products_sized(nodes, mean_degree);
  products_fields(o, [&](const char* name, auto& field) { take(params, name, field); });
  o.seed = seed;
  return o;
}

template <class Options, class Fields>
json defaults_of(Options o, Fields fields) {
  json j = json::object();
  fields(o, [&](const char* name, auto& field) { j[name] = field; });
  return j;
}

const GeneratorDef kCsbm{
    "csbm",
    "contextual stochastic block model (the default demo graph)",
    [] { return defaults_of(CsbmOptions{}, [](CsbmOptions& o, auto&& v) { csbm_fields(o, v); }); },
    [](const json& params, uint64_t seed) {
      CsbmOptions o;
      csbm_fields(o, [&](const char* name, auto& field) { take(params, name, field); });
      o.seed = seed;
      return make_csbm(o);
    }};

const GeneratorDef kPowerLaw{
    "powerlaw",
    "Reddit-shaped: heavy-tailed degrees, 41 classes, 602 features, 66/10/24 split",
    [] { return defaults_of(PowerLawOptions{}, [](PowerLawOptions& o, auto&& v) { powerlaw_fields(o, v); }); },
    [](const json& params, uint64_t seed) { return make_powerlaw(powerlaw_options(params, seed)); }};

const GeneratorDef kProducts{
    "products",
    "ogbn-products-shaped: 2,449,029 nodes, ~61.9M edges, 100 features, 47 classes, split 196,615/39,323/rest "
    "(nodes scales edges and split)",
    [] {
      json j = defaults_of(ProductsOptions{}, [](ProductsOptions& o, auto&& v) { products_fields(o, v); });
      j["nodes"] = ProductsOptions{}.nodes;
      j["avg_degree"] = products_mean_degree();
      return j;
    },
    [](const json& params, uint64_t seed) { return make_products(products_from(params, seed)); }};

constexpr double kMaxFeatureScale = 1e15;

// Wrong names and wrong types, before any generator reads the values.
void check_params(const GeneratorDef& g, const json& params) {
  if (!params.is_object()) throw ArgumentError("generator parameters: expected an object {name: value}");
  for (const auto& [name, value] : params.items()) {
    const GeneratorParamDef* p = find_generator_param(name);
    if (!p) {
      std::string known;
      for (const GeneratorParamDef& q : generator_params()) known += (known.empty() ? "" : ", ") + std::string(q.name);
      throw ArgumentError("unknown generator parameter '" + name + "' (known: " + known + ")");
    }
    if (!g.reads(name))
      throw ParameterError(name, "generator " + std::string(g.name) + " does not read it (read by: " +
                                     readers_of(generators(), name) + ")");
    const bool integer = value.is_number_integer(), real = value.is_number() && !value.is_boolean();
    if (p->integer ? !integer : !real)
      throw ParameterError(name, std::string("expected ") + (p->integer ? "an integer" : "a number") + ", got " +
                                     value.dump());
    if (!p->integer && !std::isfinite(value.get<double>()))
      throw ParameterError(name, "must be finite, got " + format_number(value.get<double>()));
    // The features are float32, and their squares are summed: signal 1e300 generated infinite features.
    if ((name == "signal" || name == "noise") && std::abs(value.get<double>()) > kMaxFeatureScale)
      throw ParameterError(name, "at most " + format_number(kMaxFeatureScale) + " (the features are float32), got " +
                                     format_number(value.get<double>()));
  }
}

}  // namespace

const std::vector<GeneratorParamDef>& generator_params() {
  static const std::vector<GeneratorParamDef> params = {
      {"nodes", true, "number of nodes"},
      {"classes", true, "number of planted classes"},
      {"features", true, "feature dimension"},
      {"avg_degree", false, "mean degree"},
      {"homophily", false, "probability that an edge stays inside a class"},
      {"signal", false, "norm of the class means"},
      {"noise", false, "standard deviation of the feature noise"},
      {"gamma", false, "power-law exponent of the degrees, > 2"},
      {"max_degree_fraction", false, "degree cap as a fraction of the nodes"},
      {"train_fraction", false, "training share of the nodes"},
      {"val_fraction", false, "validation share of the nodes"},
      {"train_per_class", true, "labelled training nodes per class"},
      {"val_nodes", true, "validation nodes"},
      {"test_nodes", true, "test nodes"},
  };
  return params;
}

const GeneratorParamDef* find_generator_param(std::string_view name) {
  for (const GeneratorParamDef& p : generator_params())
    if (p.name == name) return &p;
  return nullptr;
}

const std::vector<const GeneratorDef*>& generators() {
  static const std::vector<const GeneratorDef*> table = {&kCsbm, &kPowerLaw, &kProducts};
  return table;
}

const GeneratorDef& find_generator(std::string_view name) {
  return find_named(generators(), name, "--generator", "generator");
}

Dataset generate(const GeneratorDef& g, const json& params, uint64_t seed) {
  check_params(g, params);
  return g.make(params, seed);
}

PowerLawOptions powerlaw_options(const json& params, uint64_t seed) {
  check_params(kPowerLaw, params);
  PowerLawOptions o;
  powerlaw_fields(o, [&](const char* name, auto& field) { take(params, name, field); });
  o.seed = seed;
  return o;
}

}  // namespace sgc
