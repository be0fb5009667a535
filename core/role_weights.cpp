#include "core/role_weights.hpp"

#include <cmath>
#include <cstdlib>

#include "core/resources.hpp"

namespace clusterctl {

namespace {

std::string trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

Status validate_weight(const std::string& role, double weight) {
  CLUSTERCTL_RETURN_IF_ERROR(validate_role(role));
  if (!std::isfinite(weight) || weight <= 0) {
    return Status::invalid("the weight of role '" + role + "' must be a number above 0");
  }
  return Status::ok();
}

StatusOr<std::map<std::string, double>> parse_weights(const std::string& text) {
  std::map<std::string, double> weights;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = trim(text.substr(start, comma == std::string::npos ? comma : comma - start));
    start = comma == std::string::npos ? text.size() + 1 : comma + 1;
    if (item.empty()) {
      if (comma == std::string::npos && weights.empty() && trim(text).empty()) break;
      return Status::invalid("invalid weights '" + text +
                             "': an empty item (write ROLE=WEIGHT,...)");
    }
    size_t equals = item.find('=');
    if (equals == std::string::npos) {
      return Status::invalid("invalid weights '" + text + "': '" + item + "' is not ROLE=WEIGHT");
    }
    std::string role = trim(item.substr(0, equals));
    std::string number = trim(item.substr(equals + 1));
    char* end = nullptr;
    double weight = number.empty() ? 0 : std::strtod(number.c_str(), &end);
    if (number.empty() || end == nullptr || *end != '\0') {
      return Status::invalid("invalid weights '" + text + "': '" + number + "' is not a number");
    }
    Status valid = validate_weight(role, weight);
    if (!valid) return Status::invalid("invalid weights '" + text + "': " + valid.message());
    if (!weights.emplace(role, weight).second) {
      return Status::invalid("invalid weights '" + text + "': role '" + role + "' is given twice");
    }
  }
  return weights;
}

}  // namespace clusterctl
