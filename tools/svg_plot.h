// A small line-plot writer: SVG 1.1 text, no dependencies (PNG through
// rsvg-convert when asked for). Used by `sgc sweep --plot` for accuracy
// versus propagation depth and `sgc attack --report --plot`.
#pragma once

#include <string>
#include <vector>

namespace sgc_cli {

struct PlotLine {
  std::string label;           // legend text
  std::vector<double> x, y;    // same length; points are joined in order
  std::string color = "#1f77b4";
  std::string dash;            // SVG stroke-dasharray: "" solid, "6 4" dashed, "2 3" dotted
  bool markers = true;
  double width = 2.0;
};

struct Plot {
  std::string title, subtitle, x_label, y_label;
  // x axis in log2 scale, ticks at the powers of 2 of the data; x = 0 (K = 0:
  // no propagation) is drawn one power of 2 left of the smallest positive x,
  // at a tick "0".
  bool log2_x = false;
  std::vector<PlotLine> lines;
};

// The SVG document. Throws sgc::ArgumentError if a line's x and y differ in
// length, or if log2_x and an x value is negative.
std::string render_svg(const Plot& plot);

// ArgumentError naming `flag` unless `path` names an .svg or .png file that
// may be written (sgc::check_output_path): a plot is SVG, or PNG through
// rsvg-convert, and another suffix would hold SVG under a misleading name.
void check_plot_path(const std::string& path, const std::string& flag);

// Writes the SVG document to `path` atomically; a .png path is converted by
// rsvg-convert (Debian: librsvg2-bin), an ArgumentError naming `flag` without it.
void write_plot_file(const std::string& path, const std::string& svg, const std::string& flag);

// The i-th colour of a palette that tells lines apart.
const char* plot_color(size_t i);

}  // namespace sgc_cli
