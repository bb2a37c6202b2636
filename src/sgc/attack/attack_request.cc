#include "sgc/attack/attack_request.h"

#include "sgc/attack/targets.h"
#include "sgc/error.h"

#include <unordered_set>

namespace sgc::attack {

void check_attack_request(const AttackRequest& r) {
  AttackOptions o = r.options;
  o.k = r.k.value_or(o.k);
  o.max_add_candidates = r.max_candidates.value_or(o.max_add_candidates);
  validate_attack_options(o);
  if (r.targets && r.num_targets) throw ArgumentError("--num-targets: targets are given too; give one of the two");
  if (r.targets && r.targets->empty()) throw ArgumentError("--targets: no node given");
  if (r.num_targets && *r.num_targets < 1)
    throw ArgumentError("--num-targets: must be >= 1, got " + std::to_string(*r.num_targets));
}

PreparedAttack prepare_attack(const AttackRequest& r, const Dataset& d, const Victim& victim) {
  check_attack_request(r);
  PreparedAttack p;
  p.options = r.options;
  p.options.k = r.k.value_or(attack_depth(victim.config));
  p.options.max_add_candidates = r.max_candidates.value_or(default_add_candidates(d, p.options.k));
  p.options.seed = r.target_seed;
  validate_attack_options(p.options);
  if (r.targets) {
    p.targets = *r.targets;
    size_t wrong = 0;
    std::unordered_set<int32_t> seen;
    std::vector<int32_t> repeated;
    for (int32_t node : p.targets) {
      if (node < 0 || node >= d.num_nodes())
        throw ArgumentError("--targets: node id " + std::to_string(node) + " is outside [0, " +
                            std::to_string(d.num_nodes()) + ")");
      if (!seen.insert(node).second) repeated.push_back(node);
      wrong += d.labels[size_t(node)] < 0 || victim.clean.label[size_t(node)] != d.labels[size_t(node)];
    }
    // The rates read "was classified correctly, is not after the flips": a
    // node already wrong counts as a success at every budget.
    if (wrong > 0)
      p.notes.push_back("--targets: " + std::to_string(wrong) + " of the " + std::to_string(p.targets.size()) +
                        " targets are not classified correctly (or have no label) before the attack; they count as "
                        "successes at every budget");
    // The authors' target lists were drawn with replacement (Cora's repeats four
    // ids); each entry counts, so their rates are reproduced, but say so.
    if (!repeated.empty()) {
      std::string ids;
      for (size_t i = 0; i < repeated.size() && i < 5; ++i) ids += (i ? ", " : "") + std::to_string(repeated[i]);
      if (repeated.size() > 5) ids += ", ...";
      p.notes.push_back("--targets: " + std::to_string(repeated.size()) + " of the " + std::to_string(p.targets.size()) +
                        " entries repeat a node given before (" + ids +
                        "); each entry is attacked and counts in the rates");
    }
    return p;
  }
  const int wanted = r.num_targets.value_or(kDefaultNumTargets);
  p.targets = select_targets(d, victim.clean.label, wanted, r.target_seed);
  if (p.targets.size() < size_t(wanted))
    p.notes.push_back("--num-targets: " + std::to_string(wanted) + " asked, only " +
                      std::to_string(p.targets.size()) + " test nodes are classified correctly; attacking those");
  if (p.targets.empty()) throw ArgumentError("--num-targets: no test node is classified correctly; nothing to attack");
  return p;
}

}  // namespace sgc::attack
