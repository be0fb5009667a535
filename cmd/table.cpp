#include "cmd/table.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace clusterctl::cmd {

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {
  for (std::string& header : headers_) {
    std::transform(header.begin(), header.end(), header.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  }
}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(std::max(cells.size(), headers_.size()));
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  std::vector<size_t> widths(headers_.size(), 0);
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = headers_[i].size();
  for (const auto& row : rows_) {
    for (size_t i = 0; i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  auto render_line = [&widths](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      line += cells[i];
      if (i + 1 < widths.size()) line += std::string(widths[i] - cells[i].size() + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  std::string out = render_line(headers_);
  for (const auto& row : rows_) out += render_line(row);
  return out;
}

std::string format_number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.3f", value);
  std::string text = buffer;
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text == "-0" ? "0" : text;
}

std::string format_age(double seconds) {
  if (!(seconds > 0)) return "0s";
  auto whole = static_cast<long long>(std::floor(seconds));
  if (whole < 120) return std::to_string(whole) + "s";
  if (whole < 2 * 3600) return std::to_string(whole / 60) + "m";
  if (whole < 2 * 86400) return std::to_string(whole / 3600) + "h";
  return std::to_string(whole / 86400) + "d";
}

std::string join_or_dash(const std::vector<std::string>& items, const std::string& separator) {
  if (items.empty()) return "-";
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace clusterctl::cmd
