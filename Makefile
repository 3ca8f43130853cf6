# The two commands of the README:
#   make run   installs what is missing, builds, and starts rig (single node, defaults)
#   make test  installs what is missing, builds, and runs every test
# Also: make build (build only), make test-asan (ASan+UBSan build, unit + e2e tests),
#       make bench (side-by-side benchmark, writes docs/benchmarks.md), make format, make clean,
#       make deb (the Debian package, $(BUILD)/rig_<version>_amd64.deb).

BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps build run test test-asan unit test-deps format check-format clean bench fuzz deb

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

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRIG_SANITIZE=ON $(CMAKE_FLAGS)

test-asan: deps test-deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -L 'unit|e2e'

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
# longpoll_cookie (long polling's cookies) or http_request (HTTP/1.1 request heads and the
# WebSocket handshake).
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
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
