// The subcommands of `sgc`. Each add_*_command registers its subcommand and
// flags on `app`; run() is called when that subcommand was given.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace sgc_cli {

struct Subcommand {
  CLI::App* app;
  std::function<int()> run;
};

Subcommand add_train_command(CLI::App& app);
Subcommand add_tune_command(CLI::App& app);
Subcommand add_sweep_command(CLI::App& app);
Subcommand add_predict_command(CLI::App& app);
Subcommand add_generate_command(CLI::App& app);
Subcommand add_attack_command(CLI::App& app);
Subcommand add_partition_command(CLI::App& app);  // dist_cli.cc
Subcommand add_info_command(CLI::App& app);
Subcommand add_convert_command(CLI::App& app);

}  // namespace sgc_cli
