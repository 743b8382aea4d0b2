#pragma once
// The renderers: each turns the Stack (and the chosen profiles) into the files of one tool. They only
// read the model; generate.cpp decides which run for which profiles and writes the files.
#include <string>
#include <vector>

#include "common/config.h"
#include "stack/stack_model.h"

namespace aaiti::stack {

struct GeneratedFile {
    std::string path;     // relative to the output directory ("haproxy/haproxy.cfg")
    std::string content;
    bool secret = false;  // holds credentials (alert webhooks, SMTP password): written mode 0600
};

// What the chosen profiles switch on. production includes replica and monitoring.
struct ProfileSelection {
    bool replica = false;
    bool monitoring = false;
    bool load_balancer = false;
    static ProfileSelection from(const std::vector<Profile>& profiles);
};

// Where rendered configs point: container DNS names and container ports (docker compose), or 127.0.0.1 and
// each instance's host port, instance_host_port() (the native supervisor, which renders the Stack it really runs).
enum class Network { containers, loopback };

// Where services send traces: Jaeger's OTLP/HTTP receiver. Not the seed's legacy :14268/api/traces
// (Jaeger's Thrift collector): OTLP is what Jaeger recommends and what our exporter speaks.
std::string jaeger_otlp_endpoint(const Stack& stack);

// `output_dir` (absolute): the Dockerfiles are generated there, outside the build context (source_dir).
// `settings`: the user's configuration keys every service gets (stack_settings.h); a secret one is written
// to .env (then mode 0600) and referenced as ${KEY} in docker-compose.yml, so the compose file holds none.
std::vector<GeneratedFile> render_compose(const Stack& stack, const ProfileSelection& profiles, const std::string& stack_file,
                                          const std::string& output_dir, const std::vector<ConfigEntry>& settings = {});
GeneratedFile render_haproxy(const Stack& stack, Network network = Network::containers);
// Loopback: every service of `stack` is scraped (the caller passes the Stack it runs), the supervisor's
// /metrics too (job aaiti-supervisor), and there is no postgres-exporter job (no native exporter).
std::vector<GeneratedFile> render_prometheus(const Stack& stack, const ProfileSelection& profiles,
                                             Network network = Network::containers);
GeneratedFile render_alertmanager(const Stack& stack);
std::vector<GeneratedFile> render_grafana(const Stack& stack);
std::vector<GeneratedFile> render_dockerfiles(const Stack& stack);

std::string yaml_escape(const std::string& text);  // the inside of a YAML double-quoted scalar

}  // namespace aaiti::stack
