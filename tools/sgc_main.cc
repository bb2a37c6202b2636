// `sgc`: the command-line front end. It only parses flags, calls the library
// (sgc/model, sgc/ops/operator.h, sgc/tune/tpe.h) and prints; all logic
// lives in src/sgc.
//
//   sgc train [--dataset cora|citeseer|pubmed] [--op OP] [flags]   train and evaluate
//   sgc tune  [--dataset ...] [--op OP] [--trials 60] [--search ...] search parameters on validation accuracy
//   sgc sweep [--dataset ...] [--ops sgc,ssgc,dgc] [--ks 1,2,4,...] [--plot FILE.svg]
//                                                                   accuracy versus depth K
//   sgc generate ...                                                write a synthetic graph to files
//   sgc convert --dataset ... --out FILE.sgcf                       features to a feature store (memory-mapped)
//   sgc partition --dataset ... --parts P --out DIR                 split a graph for mpirun (docs/distributed.md)
//   sgc predict --model FILE [--dataset ...] [--out FILE.csv]       classify nodes with a saved model
//   sgc attack [--dataset ...] [--variant ...] [--report]           InfAttack evasion attack, robustness report
//   sgc info                                                        CPU, caches, kernel variant and thresholds
// Without --dataset they run on the built-in synthetic graph (CSBM).
// The subcommands are in tools/cmd_*.cc, their shared flags in cli_common.h.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <filesystem>
#include <new>
#include <vector>

#include "commands.h"
#include "dist_cli.h"
#include "sgc/error.h"
#include "sgc/util/budget.h"
#include "sgc/util/interrupt.h"
#include "sgc/util/memory.h"
#include "sgc/util/printable.h"

namespace {

// Under mpirun -np P > 1, a command without a distributed path would run the
// whole job P times over (and race on its outputs).
void refuse_more_than_one_rank(const std::string& command) {
  if (command == "train" || command == "predict" || command == "partition") return;
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (size && std::atoi(size) > 1)
    throw sgc::ArgumentError("sgc " + command + " runs in one process, and this is one of " + size +
                             " under mpirun; only train, predict and partition are distributed (run it without mpirun)");
}

}  // namespace

int main(int argc, char** argv) {
  sgc::reexec_with_runtime_settings(argv);
  sgc::install_interrupt_handler();
  CLI::App app{"sgc: Simple Graph Convolution (Wu et al., ICML 2019) and its family, in C++"};
  app.require_subcommand(1);
  const std::vector<sgc_cli::Subcommand> commands{sgc_cli::add_train_command(app), sgc_cli::add_tune_command(app),
                                                  sgc_cli::add_sweep_command(app), sgc_cli::add_generate_command(app),
                                                  sgc_cli::add_predict_command(app),
                                                  sgc_cli::add_attack_command(app),
                                                  sgc_cli::add_convert_command(app),
                                                  sgc_cli::add_info_command(app),
                                                  sgc_cli::add_partition_command(app)};
  // CLI11 reads an unknown first word as a stray argument ("A subcommand is required").
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const sgc_cli::Subcommand& c : commands) {
      known = known || c.app->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + c.app->get_name();
    }
    if (!known) {
      std::fprintf(stderr, "sgc: error: unknown command '%s' (commands: %s; sgc --help)\n",
                   sgc::printable(argv[1]).c_str(), names.c_str());
      return 105;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Flag syntax errors exit 105-109 (README); CLI11's other codes (104: a
    // value that does not convert, 110+: argument-count and the like) map to
    // 105. --help and --version exit 0.
    const int code = app.exit(e);
    return code == 0 || (code >= 105 && code <= 109) ? code : 105;
  }
  sgc_cli::set_command_line(argc, argv);
  try {
    for (const sgc_cli::Subcommand& c : commands)
      if (*c.app) {
        refuse_more_than_one_rank(c.app->get_name());
        const int rc = c.run();
        // Ctrl-C after the last check (its outputs are whole): still not a success.
        if (rc == 0 && sgc::interrupt_requested()) throw sgc::Interrupted();
        return rc;
      }
  } catch (const sgc::Interrupted&) {
    std::fprintf(stderr, "sgc: interrupted\n");
    return 130;
  } catch (const sgc::Error& e) {
    std::fprintf(stderr, "sgc: error: %s\n", e.what());
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    // A folder that cannot be made or read: the library's own message names the path.
    std::fprintf(stderr, "sgc: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    // Sizes are checked against the budget before allocating; getting here means the
    // machine had less free memory than the budget assumed.
    std::fprintf(stderr,
                 "sgc: error: out of memory during `sgc %s` (memory budget %s of %s physical); lower "
                 "--memory-limit to have such inputs refused up front, or free memory\n",
                 argc > 1 ? argv[1] : "", sgc::format_bytes(sgc::memory_budget()).c_str(),
                 sgc::format_bytes(sgc::physical_memory_bytes()).c_str());
    return 1;
  }
  return 0;
}
