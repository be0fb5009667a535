// Aligned text tables for the listing subcommands, in the style of kubectl and
// nomad: an upper-case header row, columns padded to their widest cell and
// separated by three spaces, no trailing blanks. Plain value; not thread-safe.
#pragma once

#include <string>
#include <vector>

namespace clusterctl::cmd {

class Table {
 public:
  // Header names are printed upper-cased.
  explicit Table(std::vector<std::string> headers);

  // A row with fewer cells than headers is padded with empty cells.
  void add_row(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }

  // The header line and one line per row, each ending with a newline.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Helpers for cells.
// 0.5 -> "0.5", 2 -> "2", 0.1234 -> "0.123" (three decimals at most).
std::string format_number(double value);
// An age in seconds the way kubectl writes it: "42s", "5m", "3h", "2d".
std::string format_age(double seconds);
// Elements joined with `separator`; "-" when there are none.
std::string join_or_dash(const std::vector<std::string>& items, const std::string& separator);

}  // namespace clusterctl::cmd
