#include "io/fd_waiter.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "io/stop_signal.h"

namespace chanload::io {

namespace asio = boost::asio;

struct FdWaiter::State {
  State(std::shared_ptr<StopSignal> signal, std::shared_ptr<StopSignal> second)
      : stop(std::move(signal)), also(std::move(second)), stop_descriptor(io, stop->fd()), timer(io) {
    if (also) also_descriptor.emplace(io, also->fd());
  }
  ~State() {  // the StopSignals own their descriptors
    stop_descriptor.release();
    if (also_descriptor) also_descriptor->release();
  }

  // Runs the io_context until the first of: target readable, timer, stop signal.
  WaitResult run(std::optional<int> target, std::chrono::steady_clock::time_point deadline) {
    if (stop->stop_requested() || (also && also->stop_requested())) return WaitResult::kStopped;
    std::optional<WaitResult> result;
    const auto finish = [&](WaitResult r) {
      if (!result) result = r;
      io.stop();
    };
    std::optional<asio::posix::stream_descriptor> descriptor;
    if (target) {
      descriptor.emplace(io, *target);
      descriptor->async_wait(asio::posix::stream_descriptor::wait_read,
                             [&](const boost::system::error_code& ec) {
                               if (!ec) finish(WaitResult::kReady);
                             });
    }
    stop_descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                               [&](const boost::system::error_code& ec) {
                                 if (!ec) finish(WaitResult::kStopped);
                               });
    if (also_descriptor) {
      also_descriptor->async_wait(asio::posix::stream_descriptor::wait_read,
                                  [&](const boost::system::error_code& ec) {
                                    if (!ec) finish(WaitResult::kStopped);
                                  });
    }
    if (deadline != std::chrono::steady_clock::time_point::max()) {
      timer.expires_at(deadline);
      timer.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) finish(WaitResult::kTimedOut);
      });
    }
    io.restart();
    io.run();
    // Cancel what is still pending and let the handlers run (they see operation_aborted) so nothing
    // refers to this frame afterwards.
    timer.cancel();
    stop_descriptor.cancel();
    if (also_descriptor) also_descriptor->cancel();
    if (descriptor) descriptor->cancel();
    io.restart();
    io.run();
    if (descriptor) descriptor->release();  // the caller owns target
    return result.value_or(WaitResult::kStopped);
  }

  std::shared_ptr<StopSignal> stop;
  std::shared_ptr<StopSignal> also;
  asio::io_context io;
  asio::posix::stream_descriptor stop_descriptor;
  std::optional<asio::posix::stream_descriptor> also_descriptor;
  asio::steady_timer timer;
};

FdWaiter::FdWaiter(std::shared_ptr<StopSignal> stop, std::shared_ptr<StopSignal> also)
    : state_(std::make_unique<State>(std::move(stop), std::move(also))) {}
FdWaiter::~FdWaiter() = default;

WaitResult FdWaiter::wait_readable(int fd, std::chrono::steady_clock::time_point deadline) {
  return state_->run(fd, deadline);
}

WaitResult FdWaiter::sleep_for(std::chrono::milliseconds duration) {
  const WaitResult result = state_->run(std::nullopt, std::chrono::steady_clock::now() + duration);
  return result == WaitResult::kTimedOut ? WaitResult::kReady : result;
}

}  // namespace chanload::io
