// What a task must look like before the master accepts it: the checks that
// need nothing but the TaskInfo itself (the master adds those that need its
// state: a duplicate id, the offered resources). A task refused here never
// reaches an agent; the framework gets an ERROR update with reason "invalid
// task" and this message. Pure functions; thread-safe.
#pragma once

#include <cstddef>

#include "core/messages.hpp"
#include "core/status.hpp"

namespace clusterctl {

// The command's value, arguments and environment ("KEY=VALUE") together, each
// string counted with its NUL as the kernel counts them: well under Linux's
// ARG_MAX of 2 MiB, which also holds the executor's own environment.
inline constexpr size_t kMaxCommandBytes = 1024 * 1024;
// One of those strings: Linux refuses a longer one (MAX_ARG_STRLEN, 128 KiB
// with its NUL) with "Argument list too long" however small the rest is.
inline constexpr size_t kMaxCommandStringBytes = 128 * 1024 - 1;
// A task's name (shown in listings; free text but no control characters).
inline constexpr size_t kMaxTaskNameBytes = 256;

// OK, or what is wrong and what to do, starting with the task: "task t1: the
// command is 10485761 bytes (value, arguments and environment); the limit is
// 1048576". Checks the id (is_valid_id: it names a sandbox directory), the
// name, the command (present, within the limits above, no NUL inside, valid
// environment names), the health check's command and the resources
// (check_resource_limits).
Status validate_task_info(const TaskInfo& task);

}  // namespace clusterctl
