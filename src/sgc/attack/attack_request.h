// What a front end asks of InfAttack (the command line's `sgc attack`,
// Python's sgc.attack), resolved against the data set and the victim: the
// one home of the attack's defaults and of how its targets are chosen.
//
// Defaults (InfAttack, Wang et al., WSDM 2024, sec. 5.1): the efficient
// variant with known labels, budgets 2, 4, ..., 10, an objective as deep as
// an SGC victim's K, else 2 (attack_depth), every label-c node a candidate up
// to default_add_candidates, and 100 targets drawn with seed 1 among the
// test nodes the victim classifies correctly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sgc/attack/infattack.h"

namespace sgc::attack {

struct AttackRequest {
  AttackOptions options;              // variant, labels, budgets (their defaults are AttackOptions')
  std::optional<int> k;               // objective depth; default attack_depth(victim)
  std::optional<int> max_candidates;  // add candidates; default default_add_candidates(d, k)
  // Node ids to attack (checked against the graph), or drawn: num_targets
  // correctly classified test nodes, seeded by target_seed (which also seeds
  // the candidate sampling).
  std::optional<std::vector<int32_t>> targets;
  std::optional<int> num_targets;
  uint64_t target_seed = 1;
};
inline constexpr int kDefaultNumTargets = 100;

struct PreparedAttack {
  AttackOptions options;           // validated, every default resolved
  std::vector<int32_t> targets;
  // What a caller should hear ("--flag: ..."): fewer targets than asked, targets already wrong.
  std::vector<std::string> notes;
};

// What can be checked before the data set is read and the victim trained:
// the options' domains, an empty target list, targets and num_targets both
// given. ArgumentError naming the flag (--budgets, --attack-k, ...).
void check_attack_request(const AttackRequest& r);

// check_attack_request, and a given target outside the graph.
PreparedAttack prepare_attack(const AttackRequest& r, const Dataset& d, const Victim& victim);

}  // namespace sgc::attack
