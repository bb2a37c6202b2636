#include "svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <unistd.h>

#include "sgc/error.h"
#include "sgc/util/atomic_file.h"

namespace sgc_cli {

namespace {

constexpr double kWidth = 780, kHeight = 480;
constexpr double kLeft = 70, kRight = 200, kTop = 55, kBottom = 60;  // margins; the legend is on the right

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// "Nice" tick step for a range: 1, 2 or 5 times a power of 10, about 6 ticks.
double tick_step(double span) {
  const double raw = span / 6, power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

}  // namespace

namespace {
bool ends_with(const std::string& s, const char* suffix) {
  const std::string end(suffix);
  return s.size() > end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}
}  // namespace

void check_plot_path(const std::string& path, const std::string& flag) {
  if (!ends_with(path, ".svg") && !ends_with(path, ".png"))
    throw sgc::ArgumentError(flag + ": " + path + ": a plot is written as .svg (or .png through rsvg-convert); "
                             "name a file ending in one of them");
  if (ends_with(path, ".png") && std::system("command -v rsvg-convert >/dev/null 2>&1") != 0)  // before the work
    throw sgc::ArgumentError(flag + ": PNG output needs rsvg-convert (Debian package librsvg2-bin); "
                             "name an .svg file instead");
  sgc::check_output_path(path, flag);
}

void write_plot_file(const std::string& path, const std::string& svg, const std::string& flag) {
  if (!ends_with(path, ".png")) {
    sgc::write_file_atomically(path, svg);
    return;
  }
  // rsvg-convert turns the SVG into PNG; both go through files of our own
  // beside the target, the PNG renamed over it at the end.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  sgc::write_file_atomically(tmp + ".svg", svg);
  const std::string cmd = "rsvg-convert -f png -o '" + tmp + ".png' '" + tmp + ".svg' 2>/dev/null";
  const int rc = path.find('\'') == std::string::npos ? std::system(cmd.c_str()) : -1;
  std::remove((tmp + ".svg").c_str());
  if (rc != 0 || std::rename((tmp + ".png").c_str(), path.c_str()) != 0) {
    std::remove((tmp + ".png").c_str());
    throw sgc::ArgumentError(flag + ": PNG output needs rsvg-convert (Debian package librsvg2-bin); "
                             "name an .svg file instead");
  }
}

const char* plot_color(size_t i) {
  static const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"};
  return palette[i % (sizeof palette / sizeof *palette)];
}

std::string render_svg(const Plot& plot) {
  // On a log2 axis, x = 0 sits one power of 2 left of the smallest positive x.
  double smallest_log = INFINITY;
  bool has_zero = false;
  for (const PlotLine& line : plot.lines) {
    if (line.x.size() != line.y.size()) throw sgc::ArgumentError("plot: line '" + line.label + "' has x and y of different lengths");
    for (double x : line.x) {
      if (plot.log2_x && !(x >= 0)) throw sgc::ArgumentError("plot: log-scale x needs values >= 0");
      if (x > 0) smallest_log = std::min(smallest_log, std::log2(x));
      has_zero = has_zero || x == 0;
    }
  }
  const double zero_at = (std::isfinite(smallest_log) ? smallest_log : 0) - 1;
  auto axis_x = [&](double x) { return !plot.log2_x ? x : x > 0 ? std::log2(x) : zero_at; };
  double x_min = INFINITY, x_max = -INFINITY, y_min = INFINITY, y_max = -INFINITY;
  for (const PlotLine& line : plot.lines) {
    for (size_t i = 0; i < line.x.size(); ++i) {
      const double x = axis_x(line.x[i]);
      x_min = std::min(x_min, x), x_max = std::max(x_max, x);
      if (std::isfinite(line.y[i])) y_min = std::min(y_min, line.y[i]), y_max = std::max(y_max, line.y[i]);
    }
  }
  if (!(x_min <= x_max)) x_min = 0, x_max = 1;
  if (!(y_min <= y_max)) y_min = 0, y_max = 1;
  if (x_max - x_min < 1e-12) x_min -= 0.5, x_max += 0.5;
  const double y_step = tick_step(std::max(y_max - y_min, 1e-9));
  y_min = std::floor(y_min / y_step) * y_step, y_max = std::ceil(y_max / y_step) * y_step;
  if (y_max - y_min < y_step) y_max = y_min + y_step;

  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - x_min) / (x_max - x_min) * plot_w; };
  auto py = [&](double y) { return kTop + (y_max - y) / (y_max - y_min) * plot_h; };

  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" viewBox=\"0 0 " << kWidth << " " << kHeight << "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
      << "<rect x=\"0\" y=\"0\" width=\"" << kWidth << "\" height=\"" << kHeight << "\" fill=\"white\"/>\n"
      << "<text x=\"" << number(kLeft + plot_w / 2) << "\" y=\"28\" font-size=\"16\" text-anchor=\"middle\">"
      << escape(plot.title) << "</text>\n"
      << "<text x=\"" << number(kLeft + plot_w / 2) << "\" y=\"43\" font-size=\"11\" fill=\"#555555\" "
      << "text-anchor=\"middle\">" << escape(plot.subtitle) << "</text>\n";

  // Grid and ticks.
  svg << "<g stroke=\"#dddddd\" stroke-width=\"1\">\n";
  for (double y = y_min; y <= y_max + y_step / 2; y += y_step)
    svg << "<line x1=\"" << number(kLeft) << "\" y1=\"" << number(py(y)) << "\" x2=\"" << number(kLeft + plot_w)
        << "\" y2=\"" << number(py(y)) << "\"/>\n";
  std::vector<double> x_ticks;
  if (plot.log2_x) {
    if (has_zero) x_ticks.push_back(zero_at);
    if (std::isfinite(smallest_log))
      for (double e = std::ceil(smallest_log - 1e-9); e <= x_max + 1e-9; e += 1) x_ticks.push_back(e);
  } else {
    const double step = tick_step(x_max - x_min);
    for (double x = std::ceil(x_min / step) * step; x <= x_max + step / 2; x += step) x_ticks.push_back(x);
  }
  for (double x : x_ticks)
    svg << "<line x1=\"" << number(px(x)) << "\" y1=\"" << number(kTop) << "\" x2=\"" << number(px(x)) << "\" y2=\""
        << number(kTop + plot_h) << "\"/>\n";
  svg << "</g>\n<g font-size=\"12\" fill=\"#333333\">\n";
  for (double y = y_min; y <= y_max + y_step / 2; y += y_step)
    svg << "<text x=\"" << number(kLeft - 8) << "\" y=\"" << number(py(y) + 4) << "\" text-anchor=\"end\">"
        << tick_label(y) << "</text>\n";
  for (double x : x_ticks)
    svg << "<text x=\"" << number(px(x)) << "\" y=\"" << number(kTop + plot_h + 18) << "\" text-anchor=\"middle\">"
        << tick_label(!plot.log2_x ? x : has_zero && x == zero_at ? 0 : std::exp2(x)) << "</text>\n";
  svg << "</g>\n"
      << "<rect x=\"" << number(kLeft) << "\" y=\"" << number(kTop) << "\" width=\"" << number(plot_w)
      << "\" height=\"" << number(plot_h) << "\" fill=\"none\" stroke=\"#333333\"/>\n"
      << "<text x=\"" << number(kLeft + plot_w / 2) << "\" y=\"" << number(kHeight - 15)
      << "\" font-size=\"13\" text-anchor=\"middle\">" << escape(plot.x_label) << "</text>\n"
      << "<text x=\"18\" y=\"" << number(kTop + plot_h / 2) << "\" font-size=\"13\" text-anchor=\"middle\" "
      << "transform=\"rotate(-90 18 " << number(kTop + plot_h / 2) << ")\">" << escape(plot.y_label) << "</text>\n";

  // Lines, markers and the legend.
  for (size_t l = 0; l < plot.lines.size(); ++l) {
    const PlotLine& line = plot.lines[l];
    const std::string dash = line.dash.empty() ? "" : " stroke-dasharray=\"" + line.dash + "\"";
    svg << "<polyline fill=\"none\" stroke=\"" << line.color << "\" stroke-width=\"" << line.width << "\"" << dash
        << " points=\"";
    for (size_t i = 0; i < line.x.size(); ++i) {
      if (!std::isfinite(line.y[i])) continue;
      const double x = axis_x(line.x[i]);
      svg << number(px(x)) << "," << number(py(line.y[i])) << " ";
    }
    svg << "\"/>\n";
    if (line.markers)
      for (size_t i = 0; i < line.x.size(); ++i) {
        if (!std::isfinite(line.y[i])) continue;
        const double x = axis_x(line.x[i]);
        svg << "<circle cx=\"" << number(px(x)) << "\" cy=\"" << number(py(line.y[i])) << "\" r=\"3\" fill=\""
            << line.color << "\"/>\n";
      }
    const double ly = kTop + 12 + 20 * double(l), lx = kLeft + plot_w + 15;
    svg << "<line x1=\"" << number(lx) << "\" y1=\"" << number(ly) << "\" x2=\"" << number(lx + 28) << "\" y2=\""
        << number(ly) << "\" stroke=\"" << line.color << "\" stroke-width=\"" << line.width << "\"" << dash << "/>\n"
        << "<text x=\"" << number(lx + 34) << "\" y=\"" << number(ly + 4) << "\" font-size=\"12\">" << escape(line.label)
        << "</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace sgc_cli
