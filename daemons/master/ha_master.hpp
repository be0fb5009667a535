// HaMaster: a master in HA mode (--zk). It binds its port at once and
// contends for leadership through ZooKeeper (LeaderContender). While it
// stands by it acts on nothing: every RPC is answered with `not_leader`
// naming the leader (followed through a MasterDetector), /health says
// "standby", and every other HTTP request is redirected (307) to the leader.
// Once elected it reads the registry from ZooKeeper (ZkRegistryStore, whose
// writes are fenced by its own election znode), closes the standby port and
// starts a normal master on the same address, which recovers exactly as a
// restarted standalone master does, and which checks the contender's lease
// before it answers anything.
//
// Losing leadership (its session expired, its lease ran out, its znode went)
// is final for the process: MasterOptions::on_demoted restarts it as a new
// contender with nothing of the old state (see ARCHITECTURE.md "High
// availability").
//
// Threading: one io_context thread, like every master.
#pragma once

#include "daemons/master/master.hpp"

namespace clusterctl {

// start_ha_master (master_impl.hpp) creates it; nothing else needs the type.

}  // namespace clusterctl
