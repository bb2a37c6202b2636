// A small line-plot writer: SVG 1.1 text, no dependencies. Used by
// `sgc sweep --plot` for accuracy versus propagation depth.
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
  bool log2_x = false;                 // x axis in log2 scale, ticks at the powers of 2 of the data
  std::vector<PlotLine> lines;
};

// The SVG document. Throws sgc::ArgumentError if a line's x and y differ in
// length, or if log2_x and an x value is not positive.
std::string render_svg(const Plot& plot);

// The i-th colour of a palette that tells lines apart.
const char* plot_color(size_t i);

}  // namespace sgc_cli
