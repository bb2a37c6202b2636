// The built-in graph generators, by name: the one table that `--generator`,
// `sgc generate`, the distributed runs and Python's sgc.datasets.generate
// read, so a new generator is a new file plus one entry here.
//
//   csbm      contextual stochastic block model (synthetic.h): the default
//             demo graph, 3,000 nodes, 20 labelled nodes per class
//   powerlaw  Reddit-shaped: heavy-tailed degrees, 41 classes, 602 features,
//             66 / 10 / 24 split (powerlaw.h)
//   products  ogbn-products-shaped: 2,449,029 nodes, ~61.9M edge starts, 100
//             features, 47 classes (products.h); `nodes` scales the edges
//             (at the same mean degree unless avg_degree is given) and split
//
// Parameters are named once (generator_params()); each generator reads some
// of them, and a parameter a generator does not read is refused, naming the
// generators that do (never silently ignored).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sgc/data/dataset.h"
#include "sgc/data/powerlaw.h"

namespace sgc {

struct GeneratorParamDef {
  std::string_view name;
  bool integer = false;
  std::string_view help;
};
// Every generator parameter, in help order.
const std::vector<GeneratorParamDef>& generator_params();
const GeneratorParamDef* find_generator_param(std::string_view name);  // nullptr if none

struct GeneratorDef {
  std::string_view name, summary;
  // {parameter: default} of every parameter it reads: what it reads is the keys.
  nlohmann::json (*defaults)();
  // The data set; `params` holds only parameters it reads (generate() checks).
  Dataset (*make)(const nlohmann::json& params, uint64_t seed);
  bool reads(std::string_view param) const { return defaults().contains(param); }
};

// Every generator, in registry order (the first is the default demo graph).
const std::vector<const GeneratorDef*>& generators();
// The generator called `name`; ArgumentError "--generator: unknown generator ..." otherwise.
const GeneratorDef& find_generator(std::string_view name);

// Checks `params` ({name: value}; an unknown name is an ArgumentError listing
// the known ones; a parameter the generator does not read and a value of the
// wrong type are ParameterErrors naming the parameter) and draws the graph
// with `seed`. Domain errors name the option.
Dataset generate(const GeneratorDef& g, const nlohmann::json& params, uint64_t seed);

// powerlaw's options for checked params: what a distributed run draws rank
// by rank (dist/powerlaw_part.h) instead of calling generate().
PowerLawOptions powerlaw_options(const nlohmann::json& params, uint64_t seed);

}  // namespace sgc
