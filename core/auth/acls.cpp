#include "core/auth/acls.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#define BOOST_BIND_GLOBAL_PLACEHOLDERS  // property_tree still includes the old boost/bind.hpp
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

namespace clusterctl {

namespace {

using boost::property_tree::ptree;

constexpr size_t kMaxAclFileBytes = 4 * 1024 * 1024;

struct ActionText {
  const char* name;
  const char* object;
  const char* verb;  // "run tasks as user"
};

// In AclAction's order.
constexpr ActionText kActions[kAclActionCount] = {
    {"register_frameworks", "roles", "register frameworks in role"},
    {"run_tasks", "users", "run tasks as user"},
    {"kill_tasks", "framework_principals", "kill tasks of frameworks registered by principal"},
    {"teardown_frameworks", "framework_principals", "tear down frameworks registered by principal"},
    {"set_quotas", "roles", "set quotas of role"},
    {"set_weights", "roles", "set weights of role"},
    {"reserve_resources", "roles", "reserve resources for role"},
    {"view_tasks", "users", "view tasks running as user"},
    {"view_frameworks", "users", "view frameworks of user"},
    {"access_sandboxes", "users", "access sandboxes of tasks running as user"},
};

const ActionText& text_of(AclAction action) {
  return kActions[static_cast<size_t>(action)];
}

// A JSON array reads as a tree whose children have empty keys; an object's
// children have names; a scalar has neither.
bool is_array(const ptree& tree) {
  return !tree.empty() && std::all_of(tree.begin(), tree.end(),
                                      [](const auto& child) { return child.first.empty(); });
}
bool is_object(const ptree& tree) {
  return !tree.empty() && std::none_of(tree.begin(), tree.end(),
                                       [](const auto& child) { return child.first.empty(); });
}

StatusOr<std::vector<std::string>> parse_values(const ptree& tree, const std::string& where) {
  if (!tree.empty() && !is_array(tree)) {
    return Status::invalid(where + ": expected a list of strings");
  }
  if (tree.empty() && !tree.data().empty()) {
    return Status::invalid(where + ": expected a list of strings, not \"" + tree.data() + "\"");
  }
  std::vector<std::string> values;
  for (const auto& [key, value] : tree) {
    if (!value.empty()) {
      return Status::invalid(where + "[" + std::to_string(values.size()) + "]: expected a string");
    }
    values.push_back(value.data());
  }
  return values;
}

StatusOr<AclEntity> parse_entity(const ptree& tree, const std::string& where) {
  if (!is_object(tree)) {
    return Status::invalid(where +
                           ": expected an object like {\"type\": \"ANY\"} or {\"values\": [...]}");
  }
  AclEntity entity;
  std::optional<std::string> type;
  std::optional<std::vector<std::string>> values;
  for (const auto& [key, child] : tree) {
    if (key == "type") {
      if (!child.empty() || type) return Status::invalid(where + ".type: expected one string");
      type = child.data();
    } else if (key == "values") {
      if (values) return Status::invalid(where + ".values: given twice");
      auto parsed = parse_values(child, where + ".values");
      if (!parsed) return parsed.status();
      values = std::move(*parsed);
    } else {
      return Status::invalid(where + ": unknown key \"" + key + "\" (known: type, values)");
    }
  }
  std::string kind = type.value_or(values ? "SOME" : "");
  if (kind == "ANY" || kind == "NONE") {
    if (values) {
      return Status::invalid(where + ": type " + kind +
                             " takes no \"values\" (use type SOME to list them)");
    }
    entity.type = kind == "ANY" ? AclEntity::Type::kAny : AclEntity::Type::kNone;
  } else if (kind == "SOME") {
    if (!values) return Status::invalid(where + ": type SOME needs \"values\": [...]");
    entity.type = AclEntity::Type::kSome;
    entity.values = std::move(*values);
  } else {
    return Status::invalid(where + ".type: \"" + kind + "\" is not one of ANY, NONE, SOME");
  }
  return entity;
}

StatusOr<AclRule> parse_rule(AclAction action, const ptree& tree, const std::string& where) {
  const std::string object = text_of(action).object;
  if (!is_object(tree)) {
    return Status::invalid(where + ": expected an object {\"principals\": ..., \"" + object +
                           "\": ...}");
  }
  std::optional<AclEntity> principals;
  std::optional<AclEntity> target;
  for (const auto& [key, child] : tree) {
    if (key != "principals" && key != object) {
      return Status::invalid(where + ": unknown key \"" + key + "\" (a " + text_of(action).name +
                             " rule has \"principals\" and \"" + object + "\")");
    }
    auto& slot = key == "principals" ? principals : target;
    if (slot) return Status::invalid(where + "." + key + ": given twice");
    auto entity = parse_entity(child, where + "." + key);
    if (!entity) return entity.status();
    slot = std::move(*entity);
  }
  if (!principals) return Status::invalid(where + ": \"principals\" is missing");
  if (!target) return Status::invalid(where + ": \"" + object + "\" is missing");
  return AclRule{std::move(*principals), std::move(*target)};
}

std::optional<AclAction> action_named(const std::string& name) {
  for (size_t i = 0; i < kAclActionCount; ++i) {
    if (name == kActions[i].name) return static_cast<AclAction>(i);
  }
  return std::nullopt;
}

std::string known_keys() {
  std::string keys = "permissive";
  for (const ActionText& action : kActions) keys += std::string(", ") + action.name;
  return keys;
}

bool subject_matches(const AclEntity& entity, const std::string& principal) {
  // An unauthenticated peer has no name a SOME list could hold.
  if (principal.empty()) return entity.type != AclEntity::Type::kSome;
  return entity.matches(principal);
}

std::string who(const std::string& principal) {
  return principal.empty() ? "an unauthenticated client" : "principal '" + principal + "'";
}

}  // namespace

const char* acl_action_name(AclAction action) {
  return text_of(action).name;
}

const char* acl_object_name(AclAction action) {
  return text_of(action).object;
}

bool AclEntity::matches(const std::string& value) const {
  if (type != Type::kSome) return true;
  return std::find(values.begin(), values.end(), value) != values.end();
}

StatusOr<Acls> Acls::parse(const std::string& json, const std::string& where) {
  ptree tree;
  try {
    std::istringstream in(json);
    boost::property_tree::read_json(in, tree);
  } catch (const boost::property_tree::json_parser_error& error) {
    return Status::invalid(where + ": not valid JSON (line " + std::to_string(error.line()) + ": " +
                           error.message() + ")");
  }
  if (!tree.empty() && !is_object(tree)) {
    return Status::invalid(where +
                           ": expected an object {\"permissive\": ..., \"run_tasks\": [...]}");
  }
  Acls acls;
  std::set<std::string> seen;
  for (const auto& [key, child] : tree) {
    if (!seen.insert(key).second)
      return Status::invalid(where + ": \"" + key + "\" is given twice");
    if (key == "permissive") {
      if (!child.empty() || (child.data() != "true" && child.data() != "false")) {
        return Status::invalid(where + ": permissive: expected true or false");
      }
      acls.permissive_ = child.data() == "true";
      continue;
    }
    auto action = action_named(key);
    if (!action) {
      return Status::invalid(where + ": unknown key \"" + key + "\" (known: " + known_keys() + ")");
    }
    if (!child.empty() && !is_array(child)) {
      return Status::invalid(where + ": " + key + ": expected a list of rules [...]");
    }
    if (child.empty() && !child.data().empty()) {
      return Status::invalid(where + ": " + key + ": expected a list of rules [...]");
    }
    auto& rules = acls.rules_[static_cast<size_t>(*action)];
    for (const auto& [ignored, entry] : child) {
      auto rule = parse_rule(*action, entry, key + "[" + std::to_string(rules.size()) + "]");
      if (!rule) return Status::invalid(where + ": " + rule.status().message());
      rules.push_back(std::move(*rule));
    }
  }
  return acls;
}

Status Acls::authorize(AclAction action, const std::string& principal,
                       const std::string& object) const {
  const ActionText& text = text_of(action);
  std::string denied =
      who(principal) + " may not " + text.verb + " '" + object + "' (ACL " + text.name;
  const auto& list = rules_[static_cast<size_t>(action)];
  for (size_t i = 0; i < list.size(); ++i) {
    const AclRule& rule = list[i];
    if (!subject_matches(rule.principals, principal) || !rule.object.matches(object)) continue;
    if (rule.principals.type == AclEntity::Type::kNone ||
        rule.object.type == AclEntity::Type::kNone) {
      return Status::permission_denied(denied + "[" + std::to_string(i) + "])");
    }
    return Status::ok();
  }
  if (permissive_) return Status::ok();
  return Status::permission_denied(denied + ": no rule matches and \"permissive\" is false)");
}

StatusOr<Acls> load_acls(const std::string& path, const std::string& what) {
  std::string where = what + " " + path;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::invalid(where + ": cannot read: " + std::strerror(errno));
  std::string text;
  char buffer[8192];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxAclFileBytes) return Status::invalid(where + " is larger than 4 MB");
  }
  if (in.bad()) return Status::invalid(where + ": cannot read: " + std::strerror(errno));
  return Acls::parse(text, where);
}

}  // namespace clusterctl
