// The one way this project includes Boost.Asio (include it from .cpp files
// only, never from headers others include: it is heavy to compile).
// Boost 1.74's awaitable.hpp needs <utility> first under GCC 12 and C++20.
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asio = boost::asio;
