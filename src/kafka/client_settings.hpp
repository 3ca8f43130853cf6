#pragma once

#include "brokers/kafka_connection.hpp"

namespace rig::kafka {

// How a Kafka client of rig reaches the brokers (spec §9.1): the settings every client shares.
using client_settings = brokers::kafka_connection;

}  // namespace rig::kafka
