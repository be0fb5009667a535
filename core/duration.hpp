// Durations and sizes as users write them: "500ms", "10s", "5m", "1h";
// "512MB", "2GB". Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/status.hpp"

namespace clusterctl {

using Duration = std::chrono::milliseconds;

// Accepts an integer or decimal number followed by ms, s, m, h or d ("1.5s").
StatusOr<Duration> parse_duration(const std::string& text);
// The shortest exact form: 1500ms -> "1500ms", 10000ms -> "10s", 300000ms -> "5m".
std::string format_duration(Duration duration);

// Accepts a number followed by B, KB, MB, GB or TB (powers of 1024); a bare
// number is bytes.
StatusOr<uint64_t> parse_size(const std::string& text);
std::string format_size(uint64_t bytes);

}  // namespace clusterctl
