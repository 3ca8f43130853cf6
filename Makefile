# The two commands of the README:
#   make run   installs what is missing, builds, and starts rig (single node, defaults)
#   make test  installs what is missing, builds, and runs every test
# Also: make build (build only), make test-asan (ASan+UBSan build, unit + e2e tests),
#       make test-tsan (ThreadSanitizer build, the e2e tests of cross-thread code, 2 shards),
#       make tidy (clang-tidy on src/; TIDY_BASE=<ref> for the files changed since it),
#       make bench (side-by-side benchmark, writes docs/benchmarks.md), make format, make clean,
#       make deb (the Debian package, $(BUILD)/rig_<version>_amd64.deb).

BUILD ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps build run test test-asan test-tsan tidy unit test-deps format check-format clean bench fuzz deb

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The Debian package from the release build: binary, systemd unit, /etc/default/rig, docs.
deb: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target rig rig_env_file
	cd $(BUILD) && cpack -G DEB

run: deps build
	./$(BUILD)/rig

# npm packages of the tests: playwright-core (browser test), kinesalite and dynalite (Kinesis
# and its lease table's DynamoDB).
test-deps:
	@if [ ! -d tests/browser/node_modules/playwright-core ]; then \
	  npm ci --prefix tests/browser --no-audit --no-fund; fi
	@if [ ! -d tests/kinesis/node_modules/kinesalite ] || \
	    [ ! -d tests/kinesis/node_modules/dynalite ]; then \
	  npm ci --prefix tests/kinesis --no-audit --no-fund; fi

test: deps build test-deps
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# ASan+UBSan at -O1 -g1 (the sanitizers' own advice; line tables are all a report needs):
# half the compile time of -O2 -g, the largest step of CI.
$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRIG_SANITIZE=ON \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" $(CMAKE_FLAGS)

test-asan: deps test-deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -L 'unit|e2e'

# ThreadSanitizer: clang (GCC 12's -Wtsan breaks -Werror inside Asio), -O1 -g1 (TSan's own
# advice: fast enough, with line numbers in reports). Only rig and the Kafka peer are built, and
# only the e2e modules whose code runs on more than one thread: the shards (fanout, websocket,
# longpoll, publish, lifecycle), the interest map and the blacklist (jwt, sessions, cluster), the
# event sources (kafka, nats, kinesis), the check-client pool (checks), the proxy, the metrics
# and dashboard that read every shard, the fault, lease and Avro threads and the accept loops
# (faults at 1,000 connections, not 10,000). RIG_TEST_MIN_SHARDS=2 runs every rig of them with at least
# 2 shards. A report makes rig exit at once with 66, and the harness fails any test whose rig
# printed one (with its log). Suppressions: third-party code only, in tools/sanitizers/tsan.supp.
TSAN_E2E ?= fanout|websocket|longpoll|publish|lifecycle|jwt|sessions|cluster|cluster_proxy|kafka|nats|kinesis|checks|proxy|proxy_async|metrics|dashboard|faults|kinesis_leases|avro|fd_exhaustion|slow_consumer|churn|limits|hostile
TSAN_OPTIONS_CI = halt_on_error=1 exitcode=66 second_deadlock_stack=1 \
	suppressions=$(CURDIR)/tools/sanitizers/tsan.supp

$(TSAN_BUILD)/build.ninja:
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++ -DRIG_TSAN=ON -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
	  $(CMAKE_FLAGS)

test-tsan: deps test-deps $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target rig kafka_mock
	TSAN_OPTIONS="$(TSAN_OPTIONS_CI)" RIG_TEST_MIN_SHARDS=2 RIG_TEST_TIMEOUT=30 \
	  RIG_FAULTS_CONNECTIONS=1000 \
	  ctest --test-dir $(TSAN_BUILD) --output-on-failure -j $(JOBS) \
	  -R '^e2e\.test_($(TSAN_E2E))$$'

# clang-tidy (checks and why in .clang-tidy; warnings are errors) over src/, from a
# configure-only clang build directory without precompiled headers (clang-tidy cannot read
# the build's PCH). A full run takes 7-20 s of CPU per translation unit, ~30-40 CPU-minutes for
# src/: too slow for CI. So CI runs it on the files changed since the commit recorded in
# tools/tidy-base (needs only the history, so it works on a clean clone): every changed src/
# .cpp and the .cpp of every changed .hpp, reporting only what is in the changed files
# (-header-filter), not in the unchanged headers they include. `make tidy` alone is the full
# run; TIDY_BASE=<commit or ref> (CI: TIDY_BASE=$$(cat tools/tidy-base)) limits it.
# tools/tidy-verdict.sh decides: any diagnostic in src/ fails; reports that clang-analyzer
# places inside third-party headers (Asio's coroutine frames) are listed, not failed.
TIDY ?= run-clang-tidy-14
TIDY_BASE ?=

build-tidy/compile_commands.json:
	cmake -S . -B build-tidy -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON -DRIG_TESTS=OFF

tidy: build-tidy/compile_commands.json
	@if [ -z "$(TIDY_BASE)" ]; then \
	  files="$(CURDIR)/src/"; filter='/src/'; \
	else \
	  changed=$$(git diff --name-only --diff-filter=d "$(TIDY_BASE)" -- 'src/*.cpp' 'src/*.hpp'); \
	  files=$$(for f in $$changed; do echo "$${f%.*}.cpp"; done | sort -u | while read -r f; do \
	    if grep -q "\"$(CURDIR)/$$f\"" build-tidy/compile_commands.json; then \
	      echo "$(CURDIR)/$$f"; fi; done); \
	  if [ -z "$$files" ]; then echo "tidy: no src/ file changed since $(TIDY_BASE)"; exit 0; fi; \
	  headers=$$(for f in $$changed; do case $$f in *.hpp) printf '%s|' "$$f";; esac; done); \
	  filter="($${headers%|})$$"; [ -n "$$headers" ] || filter='^$$'; \
	fi; \
	echo "tidy:" $$files; \
	$(TIDY) -p build-tidy -j $(JOBS) -quiet -header-filter="$$filter" $$files > build-tidy/tidy.log 2>&1 || true; \
	grep -v -E '^[0-9]+ warnings? generated\.$$|^Suppressed [0-9]+ warnings|^Use -header-filter' build-tidy/tidy.log || true; \
	tools/tidy-verdict.sh build-tidy/tidy.log

# Side-by-side benchmark against nginx+nchan and Pushpin; writes docs/benchmarks.md (not CI).
bench: build
	@scripts/install-deps.sh --bench
	bench/run.sh

# Fuzz with libFuzzer (clang) for FUZZ_SECONDS (not CI; ctest replays each corpus in every
# build; docs/reliability.md has the runs). FUZZ_TARGET=jwt (JWT decoder and JWK Set parser),
# websocket (frame reader), parse_batch (CloudEvents batch parser), structured (CloudEvents
# structured mode), binary (CloudEvents over HTTP, Kafka and NATS), subscriptions (subscription
# JSON and the connect query parameter), extractors (EXTRACTORS), proxy_config (inline
# PROXY_CONFIG_FILE and the router built from it), connection_token (connection tokens),
# longpoll_cookie (long polling's cookies), http_request (HTTP/1.1 request heads and the
# WebSocket handshake), router (request heads through the public listener's route decision)
# or h2_session (HTTP/2 frames after the client preface, through rig's nghttp2 session).
FUZZ_SECONDS ?= 60
FUZZ_TARGET ?= jwt
fuzz:
	cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DRIG_FUZZ=ON -DRIG_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGET)_fuzzer
	build-fuzz/tests/$(FUZZ_TARGET)_fuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=4096 tests/fuzz/corpus/$(FUZZ_TARGET)

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

check-format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) build-tidy build-fuzz
