// The executor lifecycle: its whole transition table, and walks through
// realistic lives of an executor.
#include "daemons/agent/executor_lifecycle.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace clusterctl {
namespace {

using P = ExecutorPhase;

const std::vector<P> kAllPhases = {P::kPreparing, P::kSpawned, P::kRunning, P::kEnding,
                                   P::kAborting,  P::kExited,  P::kRemoving};

// The moves the agent makes, written out again here so that a change of the
// table has to be a change of this list too.
const std::set<std::pair<P, P>> kExpectedMoves = {
    {P::kPreparing, P::kSpawned}, {P::kPreparing, P::kRemoving}, {P::kSpawned, P::kRunning},
    {P::kSpawned, P::kAborting},  {P::kSpawned, P::kRemoving},   {P::kRunning, P::kEnding},
    {P::kRunning, P::kRemoving},  {P::kEnding, P::kRunning},     {P::kEnding, P::kExited},
    {P::kExited, P::kRemoving},   {P::kAborting, P::kRemoving},
};

TEST(ExecutorLifecycle, TheTableHasExactlyTheExpectedMoves) {
  for (P from : kAllPhases) {
    for (P to : kAllPhases) {
      bool expected = kExpectedMoves.count({from, to}) > 0;
      EXPECT_EQ(can_move(from, to), expected) << from << " -> " << to;
    }
  }
}

TEST(ExecutorLifecycle, MoveToTakesEveryAllowedMoveAndRefusesTheOthers) {
  // From each phase (reached by a real path), every target: the move is
  // taken exactly when the table has it, and a refused one leaves the phase.
  const std::vector<std::vector<P>> paths = {
      {},
      {P::kSpawned},
      {P::kSpawned, P::kRunning},
      {P::kSpawned, P::kRunning, P::kEnding},
      {P::kSpawned, P::kAborting},
      {P::kSpawned, P::kRunning, P::kEnding, P::kExited},
      {P::kRemoving},
  };
  auto reach = [&paths](P phase) {
    for (const auto& path : paths) {
      ExecutorLifecycle walked = ExecutorLifecycle::launching();
      for (P step : path) EXPECT_TRUE(walked.move_to(step, "test"));
      if (walked.phase() == phase) return walked;
    }
    ADD_FAILURE() << "no path to " << phase;
    return ExecutorLifecycle::launching();
  };
  for (P from : kAllPhases) {
    for (P to : kAllPhases) {
      ExecutorLifecycle lifecycle = reach(from);
      ASSERT_EQ(lifecycle.phase(), from);
      bool moved = lifecycle.move_to(to, "test");
      EXPECT_EQ(moved, can_move(from, to)) << from << " -> " << to;
      EXPECT_EQ(lifecycle.phase(), moved ? to : from) << from << " -> " << to;
    }
  }
}

TEST(ExecutorLifecycle, NamesAreDistinct) {
  std::set<std::string> names;
  for (P phase : kAllPhases) names.insert(phase_name(phase));
  EXPECT_EQ(names.size(), kAllPhases.size());
  EXPECT_STREQ(phase_name(P::kPreparing), "preparing");
  EXPECT_STREQ(phase_name(P::kRemoving), "removing");
}

TEST(ExecutorLifecycle, WhatEachPhaseAllows) {
  for (P phase : kAllPhases) {
    bool process = phase == P::kSpawned || phase == P::kRunning || phase == P::kEnding ||
                   phase == P::kAborting;
    EXPECT_EQ(has_process(phase), process) << phase;
    EXPECT_EQ(is_isolated(phase), phase == P::kRunning || phase == P::kEnding) << phase;
    // An aborted launch never gets its task; nothing registers before the spawn or after the exit.
    EXPECT_EQ(accepts_registration(phase), process && phase != P::kAborting) << phase;
    EXPECT_EQ(is_gone(phase), phase == P::kExited || phase == P::kRemoving) << phase;
    // A phase with a process is never gone, and the other way round, but for
    // Preparing (no process yet, not gone either).
    if (phase != P::kPreparing) {
      EXPECT_NE(has_process(phase), is_gone(phase)) << phase;
    }
  }
  EXPECT_FALSE(has_process(P::kPreparing));
  EXPECT_FALSE(is_gone(P::kPreparing));
}

TEST(ExecutorLifecycle, NewLaunchesAndAdoptedExecutorsStartWhereTheyAre) {
  EXPECT_EQ(ExecutorLifecycle::launching().phase(), P::kPreparing);
  EXPECT_EQ(ExecutorLifecycle::adopted().phase(), P::kRunning);
}

// A walk: each step must be taken.
void walk(ExecutorLifecycle& lifecycle, const std::vector<P>& steps) {
  for (P step : steps) {
    P from = lifecycle.phase();
    EXPECT_TRUE(lifecycle.move_to(step, "test")) << from << " -> " << step;
    EXPECT_EQ(lifecycle.phase(), step);
  }
}

TEST(ExecutorLifecycle, LaunchOkTaskFinishesThenTheExecutorExits) {
  ExecutorLifecycle lifecycle = ExecutorLifecycle::launching();
  // Prepared and spawned; isolated; FINISHED is not checked against limits,
  // so the executor stays Running until it exits, then it is cleaned up.
  walk(lifecycle, {P::kSpawned, P::kRunning, P::kRemoving});
  // Nothing comes after the cleanup.
  for (P to : kAllPhases) EXPECT_FALSE(lifecycle.move_to(to, "test")) << to;
}

TEST(ExecutorLifecycle, LaunchOkTaskFailsAndIsCheckedAgainstTheLimits) {
  ExecutorLifecycle lifecycle = ExecutorLifecycle::launching();
  walk(lifecycle, {P::kSpawned, P::kRunning, P::kEnding});
  // No second check while one runs, and no cleanup while the executor runs.
  EXPECT_FALSE(lifecycle.move_to(P::kEnding, "test"));
  EXPECT_FALSE(lifecycle.move_to(P::kRemoving, "test"));
  // Checked while it still ran; it exits later.
  walk(lifecycle, {P::kRunning, P::kRemoving});
}

TEST(ExecutorLifecycle, LaunchFailedBeforeTheSpawn) {
  ExecutorLifecycle lifecycle = ExecutorLifecycle::launching();
  walk(lifecycle, {P::kRemoving});
  // A prepare that completes late cannot spawn it any more.
  EXPECT_FALSE(lifecycle.move_to(P::kSpawned, "test"));
  EXPECT_EQ(lifecycle.phase(), P::kRemoving);
}

TEST(ExecutorLifecycle, LaunchFailedAfterTheSpawn) {
  ExecutorLifecycle lifecycle = ExecutorLifecycle::launching();
  walk(lifecycle, {P::kSpawned, P::kAborting});
  // An aborted launch never gets its task, nor is its end checked.
  EXPECT_FALSE(lifecycle.move_to(P::kRunning, "test"));
  EXPECT_FALSE(lifecycle.move_to(P::kEnding, "test"));
  EXPECT_FALSE(accepts_registration(lifecycle.phase()));
  EXPECT_TRUE(has_process(lifecycle.phase()));  // it is killed
  walk(lifecycle, {P::kRemoving});              // its exit
}

TEST(ExecutorLifecycle, KilledWhilePreparing) {
  ExecutorLifecycle lifecycle = ExecutorLifecycle::launching();
  EXPECT_FALSE(has_process(lifecycle.phase()));  // nothing to signal: the prepare is cancelled
  walk(lifecycle, {P::kRemoving});               // the cancelled prepare ends it KILLED
}

TEST(ExecutorLifecycle, ExitsBeforeItIsIsolated) {
  ExecutorLifecycle lifecycle = ExecutorLifecycle::launching();
  walk(lifecycle, {P::kSpawned, P::kRemoving});
  // The isolation finishing afterwards does not bring it back.
  EXPECT_FALSE(lifecycle.move_to(P::kRunning, "test"));
}

TEST(ExecutorLifecycle, AgentRestartRecoversARunningExecutor) {
  ExecutorLifecycle lifecycle = ExecutorLifecycle::adopted();
  EXPECT_TRUE(accepts_registration(lifecycle.phase()));  // it reconnects
  EXPECT_TRUE(is_isolated(lifecycle.phase()));           // and gets its task back
  // Its task fails, is checked, and the executor exits during the check.
  walk(lifecycle, {P::kEnding, P::kExited, P::kRemoving});
}

TEST(ExecutorLifecycle, ExecutorDiesDuringRecovery) {
  // Adopted, it exits before reconnecting: its task's end is checked after the exit.
  ExecutorLifecycle lifecycle = ExecutorLifecycle::adopted();
  walk(lifecycle, {P::kEnding, P::kExited});
  EXPECT_FALSE(lifecycle.move_to(P::kRunning, "test"));  // gone: it never runs again
  EXPECT_FALSE(accepts_registration(lifecycle.phase()));
  walk(lifecycle, {P::kRemoving});

  // Or killed on --recover cleanup: the end is recorded at once (no limit check).
  ExecutorLifecycle killed = ExecutorLifecycle::adopted();
  walk(killed, {P::kRemoving});
}

}  // namespace
}  // namespace clusterctl
