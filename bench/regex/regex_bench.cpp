// clang-format off
// regex_bench: the measurements behind ADR 0012 (which regex engine the proxy's router uses).
//
// Standalone, not part of the CMake build. Needs libpcre2-dev and libre2-dev (Debian 12).
//
//   g++ -O2 -std=c++20 bench/regex/regex_bench.cpp $(pkg-config --cflags --libs libpcre2-8 re2) -o /tmp/regex_bench
//   /tmp/regex_bench              # every section, 7 repetitions of each timing
//   /tmp/regex_bench route 15     # one section, 15 repetitions
//   sections: compat route replace compile patho limit mt setmem
//
// What it compares, for a route table of N RIG-style endpoints (first match wins, anchored at
// both ends, case-insensitive, UTF-8):
//   pcre2-jit      one pcre2_code per endpoint, JIT-compiled, pcre2_match() with a match limit,
//                  the path checked for valid UTF-8 once per request (PCRE2_NO_UTF_CHECK)
//   pcre2-jit-chk  the same, but pcre2_match() re-checks UTF-8 for every endpoint
//   pcre2-interp   the same patterns without JIT (the fallback when JIT memory is refused)
//   re2-loop       one RE2 per endpoint: DFA-only Match() per endpoint, captures for the winner
//   re2-set        one RE2::Set over all endpoints (ANCHOR_BOTH), the lowest index wins, then
//                  that endpoint's RE2 for the captures
//   re2-set-nogroups  the set alone (an endpoint without path_replacement needs no groups)
// Each timing is repeated (argv[2], default 7) and reported as median [min .. max]: the machine
// is shared, so single runs are noisy.
// clang-format on

#include <malloc.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;
int g_reps = 7;
volatile std::size_t g_sink = 0;
inline void sink(std::size_t x) {
    g_sink = g_sink + x;
}

// ---------------------------------------------------------------------------------------------
// Statistics

struct stats {
    double median, lo, hi;
};

stats summarise(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2], v.front(), v.back()};
}

std::string fmt(const stats& s, const char* unit = "") {
    char b[128];
    auto one = [](double x, char* out, std::size_t n) {
        if (x >= 100)
            std::snprintf(out, n, "%.0f", x);
        else if (x >= 10)
            std::snprintf(out, n, "%.1f", x);
        else
            std::snprintf(out, n, "%.2f", x);
    };
    char m[32], l[32], h[32];
    one(s.median, m, sizeof m);
    one(s.lo, l, sizeof l);
    one(s.hi, h, sizeof h);
    std::snprintf(b, sizeof b, "%s%s [%s..%s]", m, unit, l, h);
    return b;
}

// ns per call of `fn`, repeated g_reps times; each repetition runs ~target_ms.
stats time_ns(const std::function<void()>& fn, double target_ms = 25) {
    std::size_t iters = 1;
    for (;;) {  // calibrate
        auto t0 = clk::now();
        for (std::size_t i = 0; i < iters; ++i) fn();
        double ms = std::chrono::duration<double, std::milli>(clk::now() - t0).count();
        if (ms > target_ms / 4 || iters > (1u << 28)) {
            iters = std::max<std::size_t>(1, std::size_t(iters * target_ms / std::max(ms, 1e-3)));
            break;
        }
        iters *= 4;
    }
    std::vector<double> v;
    for (int r = 0; r < g_reps; ++r) {
        auto t0 = clk::now();
        for (std::size_t i = 0; i < iters; ++i) fn();
        v.push_back(std::chrono::duration<double, std::nano>(clk::now() - t0).count() / iters);
    }
    return summarise(v);
}

std::size_t heap_in_use() {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

// ---------------------------------------------------------------------------------------------
// UTF-8 validation, once per request (rig has simdjson::validate_utf8; this is the plain loop).

bool valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* e = p + s.size();
    while (p < e) {
        unsigned c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int n;
        unsigned min;
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            c &= 0x1F;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            c &= 0x0F;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            c &= 0x07;
            min = 0x10000;
        } else
            return false;
        if (e - p <= n)
            return false;
        for (int i = 1; i <= n; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            c = (c << 6) | (p[i] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return false;
        p += n + 1;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// path_replacement with Elixir's Regex.replace semantics (what RIG 3 runs): "\N" (any number of
// digits) and "\g{N}" insert group N, "\\" is one backslash, anything else is literal; a group
// that does not exist or did not take part inserts "". Parsed once per definition.

struct replacement {
    std::vector<std::variant<std::string, int>> parts;

    static replacement parse(std::string_view r) {
        replacement out;
        std::string lit;
        auto flush = [&] {
            if (!lit.empty())
                out.parts.emplace_back(std::move(lit)), lit.clear();
        };
        for (std::size_t i = 0; i < r.size();) {
            if (r[i] == '\\' && i + 1 < r.size()) {
                char n = r[i + 1];
                if (n == '\\') {
                    lit += '\\';
                    i += 2;
                    continue;
                }
                if (n >= '0' && n <= '9') {
                    std::size_t j = i + 1;
                    int g = 0;
                    while (j < r.size() && r[j] >= '0' && r[j] <= '9') g = g * 10 + (r[j++] - '0');
                    flush();
                    out.parts.emplace_back(g);
                    i = j;
                    continue;
                }
                if (n == 'g' && i + 2 < r.size() && r[i + 2] == '{') {
                    std::size_t j = i + 3;
                    int g = 0;
                    while (j < r.size() && r[j] >= '0' && r[j] <= '9') g = g * 10 + (r[j++] - '0');
                    if (j < r.size() && r[j] == '}' && j > i + 3) {
                        flush();
                        out.parts.emplace_back(g);
                        i = j + 1;
                        continue;
                    }
                }
            }
            lit += r[i++];
        }
        flush();
        return out;
    }

    // group(k) returns the text of group k or "" (unset / absent).
    template <class Group>
    void expand(std::string& out, Group&& group) const {
        out.clear();
        for (const auto& p : parts) {
            if (const auto* s = std::get_if<std::string>(&p))
                out += *s;
            else
                out += group(std::get<int>(p));
        }
    }

    // The same replacement in pcre2_substitute()'s syntax: ${N}, literal $ doubled.
    std::string to_pcre2() const {
        std::string o;
        for (const auto& p : parts) {
            if (const auto* s = std::get_if<std::string>(&p)) {
                for (char c : *s) {
                    if (c == '$')
                        o += '$';
                    o += c;
                }
            } else {
                o += "${" + std::to_string(std::get<int>(p)) + "}";
            }
        }
        return o;
    }
};

// ---------------------------------------------------------------------------------------------
// PCRE2

constexpr uint32_t k_pcre2_options =
    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_ANCHORED | PCRE2_ENDANCHORED;

std::string pcre2_error(int code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    return reinterpret_cast<char*>(buf);
}

struct pcre2_code_ptr {
    pcre2_code* p = nullptr;
    pcre2_code_ptr() = default;
    explicit pcre2_code_ptr(pcre2_code* c) : p(c) {}
    pcre2_code_ptr(pcre2_code_ptr&& o) noexcept : p(std::exchange(o.p, nullptr)) {}
    pcre2_code_ptr& operator=(pcre2_code_ptr&& o) noexcept {
        std::swap(p, o.p);
        return *this;
    }
    ~pcre2_code_ptr() { pcre2_code_free(p); }
};

// Compiles; on failure returns null and the message ("<text> at offset <n>").
pcre2_code_ptr pcre2_compile_route(std::string_view pattern, bool jit, std::string* err) {
    int ec;
    PCRE2_SIZE off;
    pcre2_code* c = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                  k_pcre2_options, &ec, &off, nullptr);
    if (c == nullptr) {
        if (err)
            *err = pcre2_error(ec) + " at offset " + std::to_string(off);
        return {};
    }
    if (jit) {
        int rc = pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
        if (rc != 0 && err)
            *err = "jit: " + pcre2_error(rc);  // pcre2_match() falls back
    }
    return pcre2_code_ptr(c);
}

struct pcre2_matcher {  // one per shard: match data, match context, JIT stack
    pcre2_match_context* mctx;
    pcre2_jit_stack* stack;
    pcre2_match_data* md;
    explicit pcre2_matcher(uint32_t match_limit = 1'000'000, uint32_t pairs = 16) {
        mctx = pcre2_match_context_create(nullptr);
        pcre2_set_match_limit(mctx, match_limit);
        pcre2_set_depth_limit(mctx, match_limit);
        pcre2_set_heap_limit(mctx, 20'000);  // KiB, interpreter only
        stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr);
        pcre2_jit_stack_assign(mctx, nullptr, stack);
        md = pcre2_match_data_create(pairs, nullptr);
    }
    ~pcre2_matcher() {
        pcre2_match_data_free(md);
        pcre2_jit_stack_free(stack);
        pcre2_match_context_free(mctx);
    }
    int match(const pcre2_code* c, std::string_view s, uint32_t opts = PCRE2_NO_UTF_CHECK) {
        return pcre2_match(c, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, opts, md, mctx);
    }
    std::string_view group(std::string_view s, int rc, int k) const {
        if (k >= rc)
            return {};
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
        if (ov[2 * k] == PCRE2_UNSET)
            return {};
        return s.substr(ov[2 * k], ov[2 * k + 1] - ov[2 * k]);
    }
};

// ---------------------------------------------------------------------------------------------
// RE2

RE2::Options re2_options(int64_t max_mem = 8 << 20) {
    RE2::Options o;  // UTF-8, Perl syntax (posix_syntax false), longest_match false
    o.set_case_sensitive(false);
    o.set_log_errors(false);
    o.set_max_mem(max_mem);
    return o;
}

// ---------------------------------------------------------------------------------------------
// 1. Compatibility of the patterns RIG users write

struct compat_case {
    const char* source;
    std::string pattern;
    std::vector<std::string> subjects;
};

std::string show(std::string_view s) {
    std::string o;
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7F) {
            char b[8];
            std::snprintf(b, sizeof b, "\\x%02x", c);
            o += b;
        } else {
            o += char(c);
        }
    }
    return o;
}

void section_compat() {
    std::printf("\n== 1. pattern compatibility (anchored both ends, caseless, UTF-8/UCP) ==\n");
    std::vector<compat_case> cases = {
        // spec §8.2 / §13.14 and RIG's own tests, config and docs
        {"spec 13.14#100", "/foo", {"/foo", "/FOO", "/foo/", "/foobar", "/x/foo"}},
        {"spec 13.14#100", "/docs/123/tables", {"/docs/123/tables", "/docs/123/tables/456"}},
        {"spec 13.14#100",
         "/docs/(.+)/tables/(.+)",
         {"/docs/123/tables/456", "/docs/123/tables", "/docs/a/tables/b/tables/c"}},
        {"spec 13.14#100", "/docs/([^/]+)/tables/([^/]+)", {"/docs/123/tables/456"}},
        {"spec 8.2",
         "/foo/([^/]+)/bar/([^/]+)",
         {"/foo/1/bar/2", "/FOO/a/BAR/b", "/foo/1/2/bar/3"}},
        {"spec 13.14#94",
         "/myapi/detail/(.+)",
         {"/myapi/detail/first.user", "/myapi/detail/3fa85f64-5717-4562-b3fc-2c963f66afa6",
          "/myapi/detail/"}},
        {"RIG test config", "/myapi/books", {"/myapi/books", "/MyApi/Books", "/myapi/books/1"}},
        {"RIG test config", "/myapi/test/(.+)", {"/myapi/test/a/b"}},
        {"RIG test config", "/myapi/publish-async", {"/myapi/publish-async"}},
        {"RIG docs", "/", {"/", "/x"}},
        {"RIG docs", "/books/(.+)", {"/books/1"}},
        {"RIG docs", "todos/1", {"/todos/1", "todos/1"}},
        {"2.x path form",
         "/path/[^/]+/somewhere/[^/]+",
         {"/path/1/somewhere/2", "/path/1/x/somewhere/2"}},
        // typical real-world patterns
        {"real-world",
         "/api/v1/users/([^/]+)/orders",
         {"/api/v1/users/42/orders", "/api/v1/users/42/orders/"}},
        {"real-world", "/api/v1/users/(\\d+)", {"/api/v1/users/42", "/api/v1/users/abc"}},
        {"real-world", "/api/v[12]/items/?", {"/api/v1/items", "/api/v2/items/", "/api/v3/items"}},
        {"real-world",
         "/api/(users|accounts)/([0-9a-f-]{36})",
         {"/api/users/3FA85F64-5717-4562-B3FC-2C963F66AFA6"}},
        {"real-world", "/static/(.*)\\.(js|css|png)", {"/static/app.min.js", "/static/app"}},
        {"real-world", "/api/.*", {"/api/", "/api/a/b?c"}},
        {"real-world", "/a|/b", {"/a", "/b", "/a/x", "/x/b"}},
        {"real-world", "/(.*?)/(.*)", {"/a/b/c"}},
        {"real-world", "/(a|ab)(c|bcd)(d*)", {"/abcd"}},
        {"real-world", "^/anchored$", {"/anchored"}},
        {"real-world", "/api/(?:v1|v2)/(?P<id>[^/]+)", {"/api/v1/7"}},
        {"real-world", "/api/(?<id>[^/]+)", {"/api/7"}},
        {"real-world", "(?-i)/CaseSensitive", {"/CaseSensitive", "/casesensitive"}},
        {"real-world", "/files/\\Q(a+b)\\E", {"/files/(a+b)"}},
        {"real-world", "/api/x{0,3}y", {"/api/xxy"}},
        {"real-world", "/ids/[0-9]{1,1001}", {"/ids/1"}},
        // non-ASCII: raw UTF-8 in the path (clients normally send it percent-encoded)
        {"non-ASCII",
         "/caf\xc3\xa9/(.+)",
         {"/caf\xc3\xa9/menu", "/CAF\xc3\x89/menu", "/caf%C3%A9/menu"}},
        {"non-ASCII",
         "/gr\xc3\xb6\xc3\x9f"
         "e/([^/]+)",
         {"/GR\xc3\x96\xc3\x9f"
          "E/x"}},
        {"non-ASCII", "/users/(\\w+)", {"/users/jos\xc3\xa9", "/users/joe"}},
        {"non-ASCII", "/n/(\\d+)", {"/n/\xd9\xa3\xd9\xa4", "/n/34"}},
        {"non-ASCII", "/n/(\\p{L}+)", {"/n/\xc3\xa9t\xc3\xa9"}},
        {"non-ASCII", "/k/\\bx\\b", {"/k/x"}},
        {"invalid UTF-8",
         "/bin/(.+)",
         {"/bin/a\xff"
          "b"}},
        // features RE2 does not have
        {"lookahead", "/api/(?!internal/)(.+)", {"/api/users/1", "/api/internal/x"}},
        {"lookbehind", "/files/(.+)(?<!\\.exe)", {"/files/a.txt", "/files/a.exe"}},
        {"backreference", "/(\\w+)/\\1", {"/a/a", "/a/b"}},
        {"atomic group", "/x/(?>a+)b", {"/x/aab"}},
        {"possessive", "/x/a++b", {"/x/aab"}},
        {"\\Z", "/z\\Z", {"/z"}},
        {"conditional", "/c(\\d)?(?(1)a|b)", {"/c1a", "/cb"}},
        {"recursion", "/p(\\((?1)*\\))", {"/p(())"}},
        {"\\K", "/keep/\\Kx", {"/keep/x"}},
        {"\\h", "/h\\h", {"/h "}},
        {"verb", "(*UTF)/v", {"/v"}},
    };

    pcre2_matcher pm;
    for (const auto& c : cases) {
        std::string perr;
        auto pc = pcre2_compile_route(c.pattern, true, &perr);
        RE2 re(c.pattern, re2_options());
        std::printf("\n[%s] %s\n", c.source, show(c.pattern).c_str());
        std::printf("  pcre2: %s\n",
                    pc.p ? (perr.empty() ? "ok" : perr.c_str()) : ("ERROR " + perr).c_str());
        std::printf("  re2:   %s\n", re.ok() ? "ok" : ("ERROR " + re.error()).c_str());
        for (const auto& s : c.subjects) {
            std::string pr = "-", rr = "-";
            if (pc.p) {
                bool utf_ok = valid_utf8(s);
                int rc = pm.match(pc.p, s, utf_ok ? PCRE2_NO_UTF_CHECK : 0);
                if (rc > 0) {
                    pr = "match";
                    for (int k = 1; k < rc; ++k)
                        pr += " \\" + std::to_string(k) + "=" + show(pm.group(s, rc, k));
                } else if (rc == PCRE2_ERROR_NOMATCH) {
                    pr = "no";
                } else {
                    pr = "error " + std::to_string(rc) + " (" + pcre2_error(rc) + ")";
                }
            }
            if (re.ok()) {
                int n = re.NumberOfCapturingGroups();
                std::vector<re2::StringPiece> g(n + 1);
                if (re.Match(s, 0, s.size(), RE2::ANCHOR_BOTH, g.data(), n + 1)) {
                    rr = "match";
                    for (int k = 1; k <= n; ++k)
                        rr += " \\" + std::to_string(k) + "=" +
                              show(std::string_view(g[k].data(), g[k].size()));
                } else {
                    rr = "no";
                }
            }
            const char* flag = (pc.p && re.ok() && pr != rr) ? "   <-- DIFFERENT" : "";
            std::printf("    %-44s pcre2: %-26s re2: %s%s\n", show(s).c_str(), pr.c_str(),
                        rr.c_str(), flag);
        }
    }

    // RIG's own anchoring (to_anchored_regex): "^" prepended unless present, "$" appended unless
    // the pattern ends with "$", then matched unanchored. Differs from a full match for a
    // top-level alternation.
    std::printf("\nRIG's textual anchoring vs full match, pattern /a|/b:\n");
    {
        int ec;
        PCRE2_SIZE off;
        const char* p = "^/a|/b$";
        pcre2_code* c = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p), PCRE2_ZERO_TERMINATED,
                                      PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &ec, &off, nullptr);
        for (const char* s : {"/a", "/b", "/a/x", "/x/b"}) {
            int rc = pm.match(c, s, 0);
            std::printf("    %-8s RIG (^/a|/b$ unanchored): %s\n", s, rc > 0 ? "match" : "no");
        }
        pcre2_code_free(c);
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Route tables

struct route {
    std::string pattern;
    std::string probe;  // a path only this endpoint matches
    std::string replacement;
};

// Endpoint i of n. The probed positions (first, middle, last) get the spec's two-capture
// rewrite pattern; the others cycle through RIG-style shapes, each with a unique prefix.
route make_route(int i, int n) {
    std::string k = "svc" + std::to_string(i);
    int kind = (i == 0 || i == n / 2 || i == n - 1) ? 1 : i % 8;
    switch (kind) {
        case 0:
            return {"/api/v1/" + k + "/users/([^/]+)/orders", "/api/v1/" + k + "/users/42/orders",
                    ""};
        case 1:
            return {"/" + k + "/foo/([^/]+)/bar/([^/]+)", "/" + k + "/foo/1/bar/2",
                    "/bar/\\1/foo/\\2"};
        case 2:
            return {"/" + k + "/detail/(.+)", "/" + k + "/detail/first.user", ""};
        case 3:
            return {"/api/v2/" + k + "/items/(\\d+)", "/api/v2/" + k + "/items/12345", ""};
        case 4:
            return {"/" + k + "/(books|authors)/([0-9a-f-]{36})/?",
                    "/" + k + "/books/3fa85f64-5717-4562-b3fc-2c963f66afa6", ""};
        case 5:
            return {"/" + k + "/static/.*", "/" + k + "/static/js/app.min.js", ""};
        case 6:
            return {"/caf\xc3\xa9-" + k + "/([^/]+)", "/CAF\xc3\x89-" + k + "/menu", ""};
        default:
            return {"/" + k + "/health", "/" + std::string("SVC") + std::to_string(i) + "/Health",
                    ""};
    }
}

struct table {
    std::vector<route> routes;
    std::vector<pcre2_code_ptr> jit, interp;
    std::vector<std::unique_ptr<RE2>> re2s;
    std::unique_ptr<RE2::Set> set;
    uint32_t max_pairs = 1;

    explicit table(int n, int64_t set_mem = 64 << 20) {
        for (int i = 0; i < n; ++i) routes.push_back(make_route(i, n));
        set = std::make_unique<RE2::Set>(re2_options(set_mem), RE2::ANCHOR_BOTH);
        for (const auto& r : routes) {
            std::string err;
            jit.push_back(pcre2_compile_route(r.pattern, true, &err));
            interp.push_back(pcre2_compile_route(r.pattern, false, &err));
            if (!jit.back().p || !err.empty())
                std::fprintf(stderr, "pcre2 %s: %s\n", r.pattern.c_str(), err.c_str());
            uint32_t cc = 0;
            pcre2_pattern_info(jit.back().p, PCRE2_INFO_CAPTURECOUNT, &cc);
            max_pairs = std::max(max_pairs, cc + 1);
            re2s.push_back(std::make_unique<RE2>(r.pattern, re2_options()));
            if (!re2s.back()->ok())
                std::fprintf(stderr, "re2 %s: %s\n", r.pattern.c_str(),
                             re2s.back()->error().c_str());
            if (set->Add(r.pattern, &err) < 0)
                std::fprintf(stderr, "set %s: %s\n", r.pattern.c_str(), err.c_str());
        }
        if (!set->Compile())
            std::fprintf(stderr, "RE2::Set compile failed\n");
    }
};

// A lookup's result: the endpoint index (-1: none) and its two first captures.
struct hit {
    int index = -1;
    std::string_view g1, g2;
};

hit lookup_pcre2(const table& t, const std::vector<pcre2_code_ptr>& codes, pcre2_matcher& m,
                 std::string_view path, bool check_each) {
    if (!check_each && !valid_utf8(path))
        return {};
    uint32_t opts = check_each ? 0 : PCRE2_NO_UTF_CHECK;
    for (std::size_t i = 0; i < codes.size(); ++i) {
        int rc = m.match(codes[i].p, path, opts);
        if (rc > 0)
            return {int(i), m.group(path, rc, 1), m.group(path, rc, 2)};
        if (rc != PCRE2_ERROR_NOMATCH)
            return {-2};  // match limit etc.: stop, answer an error
    }
    (void)t;
    return {};
}

hit lookup_re2_loop(const table& t, std::string_view path) {
    for (std::size_t i = 0; i < t.re2s.size(); ++i) {
        const RE2& re = *t.re2s[i];
        if (re.Match(path, 0, path.size(), RE2::ANCHOR_BOTH, nullptr, 0)) {
            re2::StringPiece g[3];
            int n = std::min(3, re.NumberOfCapturingGroups() + 1);
            re.Match(path, 0, path.size(), RE2::ANCHOR_BOTH, g, n);
            return {int(i), {g[1].data(), g[1].size()}, {g[2].data(), g[2].size()}};
        }
    }
    return {};
}

hit lookup_re2_set(const table& t, std::string_view path, std::vector<int>& scratch) {
    scratch.clear();
    RE2::Set::ErrorInfo ei;
    if (!t.set->Match(path, &scratch, &ei)) {
        if (ei.kind != RE2::Set::kNoError)
            return {-2};
        return {};
    }
    int i = *std::min_element(scratch.begin(), scratch.end());
    const RE2& re = *t.re2s[i];
    re2::StringPiece g[3];
    int n = std::min(3, re.NumberOfCapturingGroups() + 1);
    re.Match(path, 0, path.size(), RE2::ANCHOR_BOTH, g, n);
    return {i, {g[1].data(), g[1].size()}, {g[2].data(), g[2].size()}};
}

// The set alone: the winner without its groups (an endpoint without path_replacement).
int lookup_re2_set_only(const table& t, std::string_view path, std::vector<int>& scratch) {
    scratch.clear();
    RE2::Set::ErrorInfo ei;
    if (!t.set->Match(path, &scratch, &ei))
        return ei.kind != RE2::Set::kNoError ? -2 : -1;
    return *std::min_element(scratch.begin(), scratch.end());
}

void section_route() {
    std::printf("\n== 2. route lookup, ns per request path (median [min..max] of %d runs) ==\n",
                g_reps);
    std::printf("%-6s %-8s %-24s %-24s %-24s %-24s %-24s %-24s\n", "N", "path", "pcre2-jit",
                "pcre2-jit-chk", "pcre2-interp", "re2-loop", "re2-set", "re2-set-nogroups");
    for (int n : {10, 100, 1000}) {
        table t(n);
        pcre2_matcher m(1'000'000, t.max_pairs);
        std::vector<int> scratch;
        struct probe {
            const char* name;
            std::string path;
            int expect;
        };
        std::vector<probe> probes = {{"first", t.routes[0].probe, 0},
                                     {"middle", t.routes[n / 2].probe, n / 2},
                                     {"last", t.routes[n - 1].probe, n - 1},
                                     {"none", "/api/v1/unknown/users/42/orders", -1}};
        for (const auto& p : probes) {
            // correctness first: every variant finds the same endpoint and captures
            hit a = lookup_pcre2(t, t.jit, m, p.path, false);
            hit b = lookup_pcre2(t, t.interp, m, p.path, false);
            hit c = lookup_re2_loop(t, p.path);
            hit d = lookup_re2_set(t, p.path, scratch);
            int e = lookup_re2_set_only(t, p.path, scratch);
            if (a.index != p.expect || b.index != p.expect || c.index != p.expect ||
                d.index != p.expect || e != p.expect || a.g1 != c.g1 || a.g2 != c.g2 ||
                a.g1 != d.g1) {
                std::printf("MISMATCH n=%d %s: %d %d %d %d\n", n, p.name, a.index, b.index, c.index,
                            d.index);
            }
            std::string_view path = p.path;
            auto s1 = time_ns([&] { sink(lookup_pcre2(t, t.jit, m, path, false).index); });
            auto s2 = time_ns([&] { sink(lookup_pcre2(t, t.jit, m, path, true).index); });
            auto s3 = time_ns([&] { sink(lookup_pcre2(t, t.interp, m, path, false).index); });
            auto s4 = time_ns([&] { sink(lookup_re2_loop(t, path).index); });
            auto s5 = time_ns([&] { sink(lookup_re2_set(t, path, scratch).index); });
            auto s6 = time_ns([&] { sink(lookup_re2_set_only(t, path, scratch)); });
            std::printf("%-6d %-8s %-24s %-24s %-24s %-24s %-24s %-24s\n", n, p.name,
                        fmt(s1).c_str(), fmt(s2).c_str(), fmt(s3).c_str(), fmt(s4).c_str(),
                        fmt(s5).c_str(), fmt(s6).c_str());
            std::fflush(stdout);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. path_replacement

void section_replace() {
    std::printf("\n== 3. path_replacement, ns per rewrite (median [min..max]) ==\n");
    const std::string pattern = "/foo/([^/]+)/bar/([^/]+)";
    const std::string path = "/foo/1/bar/2";
    const std::string repl = "/bar/\\1/foo/\\2";
    const replacement r = replacement::parse(repl);
    const std::string pcre2_repl = r.to_pcre2();

    auto pc = pcre2_compile_route(pattern, true, nullptr);
    pcre2_matcher m(1'000'000, 4);
    RE2 re(pattern, re2_options());
    std::string out;
    out.reserve(256);

    int rc = m.match(pc.p, path);
    re2::StringPiece g[3];
    re.Match(path, 0, path.size(), RE2::ANCHOR_BOTH, g, 3);

    // correctness
    r.expand(out, [&](int k) { return m.group(path, rc, k); });
    std::printf("manual (Elixir rules) from PCRE2 ovector: %s\n", out.c_str());
    std::string rw;
    re.Rewrite(&rw, repl, g, 3);
    std::printf("RE2::Rewrite:                            %s\n", rw.c_str());
    std::string rp = path;
    RE2::Replace(&rp, re, repl);
    std::printf("RE2::Replace:                            %s\n", rp.c_str());
    {
        PCRE2_UCHAR buf[256];
        PCRE2_SIZE len = sizeof buf;
        int src = pcre2_substitute(pc.p, reinterpret_cast<PCRE2_SPTR>(path.data()), path.size(), 0,
                                   PCRE2_SUBSTITUTE_MATCHED | PCRE2_SUBSTITUTE_UNKNOWN_UNSET |
                                       PCRE2_SUBSTITUTE_UNSET_EMPTY | PCRE2_NO_UTF_CHECK,
                                   m.md, m.mctx, reinterpret_cast<PCRE2_SPTR>(pcre2_repl.data()),
                                   pcre2_repl.size(), buf, &len);
        std::printf("pcre2_substitute(\"%s\", MATCHED): %s\n", pcre2_repl.c_str(),
                    src >= 0 ? reinterpret_cast<char*>(buf) : pcre2_error(src).c_str());
        len = sizeof buf;
        src = pcre2_substitute(pc.p, reinterpret_cast<PCRE2_SPTR>(path.data()), path.size(), 0,
                               PCRE2_SUBSTITUTE_EXTENDED, nullptr, m.mctx,
                               reinterpret_cast<PCRE2_SPTR>(repl.data()), repl.size(), buf, &len);
        std::printf("pcre2_substitute(\"%s\", EXTENDED) as written: %s\n", repl.c_str(),
                    src >= 0 ? show(std::string_view(reinterpret_cast<char*>(buf), len)).c_str()
                             : ("error: " + pcre2_error(src)).c_str());
    }

    // Where Elixir's rules and RE2's rewrite rules part ways
    std::printf("\nreplacement edge cases (pattern %s, path %s):\n", pattern.c_str(), path.c_str());
    for (std::string e :
         {"/x/\\3", "/x/\\10", "/x/\\g{2}", "/x/\\\\1", "/x/\\q", "/x/$1&", "/x/\\0"}) {
        replacement er = replacement::parse(e);
        er.expand(out, [&](int k) -> std::string_view {
            return k == 0 ? std::string_view(path) : m.group(path, rc, k);
        });
        std::string rr;
        bool ok = re.Rewrite(&rr, e, g, 3);
        std::printf("    %-12s elixir/manual: %-16s RE2::Rewrite: %s\n", e.c_str(), out.c_str(),
                    ok ? rr.c_str() : "(false: rejected)");
    }

    auto s_manual = time_ns([&] {
        r.expand(out, [&](int k) { return m.group(path, rc, k); });
        sink(out.size());
    });
    auto s_sub = time_ns([&] {
        PCRE2_UCHAR buf[256];
        PCRE2_SIZE len = sizeof buf;
        pcre2_substitute(pc.p, reinterpret_cast<PCRE2_SPTR>(path.data()), path.size(), 0,
                         PCRE2_SUBSTITUTE_MATCHED | PCRE2_SUBSTITUTE_UNKNOWN_UNSET |
                             PCRE2_SUBSTITUTE_UNSET_EMPTY | PCRE2_NO_UTF_CHECK,
                         m.md, m.mctx, reinterpret_cast<PCRE2_SPTR>(pcre2_repl.data()),
                         pcre2_repl.size(), buf, &len);
        sink(len);
    });
    auto s_rewrite = time_ns([&] {
        rw.clear();
        re.Rewrite(&rw, repl, g, 3);
        sink(rw.size());
    });
    auto s_manual_re2 = time_ns([&] {
        r.expand(out, [&](int k) {
            return k < 3 ? std::string_view(g[k].data(), g[k].size()) : std::string_view();
        });
        sink(out.size());
    });
    auto s_replace = time_ns([&] {
        rp = path;
        RE2::Replace(&rp, re, repl);
        sink(rp.size());
    });
    auto s_match_and_manual = time_ns([&] {
        int rc2 = m.match(pc.p, path);
        r.expand(out, [&](int k) { return m.group(path, rc2, k); });
        sink(out.size());
    });
    std::printf("\n    manual expand from PCRE2 ovector (no re-match):   %s ns\n",
                fmt(s_manual).c_str());
    std::printf("    manual expand from RE2 StringPieces:              %s ns\n",
                fmt(s_manual_re2).c_str());
    std::printf("    pcre2_substitute, PCRE2_SUBSTITUTE_MATCHED:       %s ns\n",
                fmt(s_sub).c_str());
    std::printf("    RE2::Rewrite (captures given):                    %s ns\n",
                fmt(s_rewrite).c_str());
    std::printf("    RE2::Replace (re-matches, then rewrites):         %s ns\n",
                fmt(s_replace).c_str());
    std::printf("    PCRE2 JIT match + manual expand (whole rewrite):  %s ns\n",
                fmt(s_match_and_manual).c_str());
}

// ---------------------------------------------------------------------------------------------
// 4. Compile time and memory per pattern

void section_compile() {
    std::printf("\n== 4. compile time and memory per pattern, N = 1000 RIG-style patterns ==\n");
    const int n = 1000;
    std::vector<route> routes;
    for (int i = 0; i < n; ++i) routes.push_back(make_route(i, n));

    std::vector<double> t_pc, t_jit, t_re2, t_set;
    std::size_t mem_pc = 0, mem_re2 = 0, mem_re2_warm = 0, mem_set = 0, mem_set_warm = 0;
    std::size_t info_size = 0, info_jit = 0;
    int64_t re2_prog = 0;
    for (int r = 0; r < g_reps; ++r) {
        {  // PCRE2: compile, then JIT
            std::vector<pcre2_code*> codes(n);
            std::size_t h0 = heap_in_use();
            auto t0 = clk::now();
            for (int i = 0; i < n; ++i) {
                int ec;
                PCRE2_SIZE off;
                codes[i] =
                    pcre2_compile(reinterpret_cast<PCRE2_SPTR>(routes[i].pattern.data()),
                                  routes[i].pattern.size(), k_pcre2_options, &ec, &off, nullptr);
            }
            auto t1 = clk::now();
            for (int i = 0; i < n; ++i) pcre2_jit_compile(codes[i], PCRE2_JIT_COMPLETE);
            auto t2 = clk::now();
            mem_pc = heap_in_use() - h0;
            info_size = info_jit = 0;
            for (int i = 0; i < n; ++i) {
                std::size_t s = 0, j = 0;
                pcre2_pattern_info(codes[i], PCRE2_INFO_SIZE, &s);
                pcre2_pattern_info(codes[i], PCRE2_INFO_JITSIZE, &j);
                info_size += s;
                info_jit += j;
            }
            for (auto* c : codes) pcre2_code_free(c);
            t_pc.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / n);
            t_jit.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count() / n);
        }
        {  // RE2, one per endpoint
            std::vector<std::unique_ptr<RE2>> v;
            v.reserve(n);
            std::size_t h0 = heap_in_use();
            auto t0 = clk::now();
            for (int i = 0; i < n; ++i)
                v.push_back(std::make_unique<RE2>(routes[i].pattern, re2_options()));
            auto t1 = clk::now();
            mem_re2 = heap_in_use() - h0;
            re2_prog = 0;
            for (auto& re : v) re2_prog += re->ProgramSize();
            for (int i = 0; i < n; ++i)  // warm the DFAs: every pattern on every probe
                for (int j = 0; j < n; j += 37)
                    v[i]->Match(routes[j].probe, 0, routes[j].probe.size(), RE2::ANCHOR_BOTH,
                                nullptr, 0);
            mem_re2_warm = heap_in_use() - h0;
            t_re2.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / n);
        }
        {  // RE2::Set
            std::size_t h0 = heap_in_use();
            auto t0 = clk::now();
            RE2::Set set(re2_options(64 << 20), RE2::ANCHOR_BOTH);
            for (int i = 0; i < n; ++i) set.Add(routes[i].pattern, nullptr);
            set.Compile();
            auto t1 = clk::now();
            mem_set = heap_in_use() - h0;
            std::vector<int> m;
            for (int j = 0; j < n; ++j) set.Match(routes[j].probe, &m);
            set.Match("/api/v1/unknown/users/42/orders", &m);
            mem_set_warm = heap_in_use() - h0;
            t_set.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / n);
        }
    }
    std::printf("    PCRE2 pcre2_compile:           %s us/pattern\n", fmt(summarise(t_pc)).c_str());
    std::printf("    PCRE2 pcre2_jit_compile:       %s us/pattern\n",
                fmt(summarise(t_jit)).c_str());
    std::printf("    RE2 constructor:               %s us/pattern\n",
                fmt(summarise(t_re2)).c_str());
    std::printf("    RE2::Set Add+Compile (all):    %s us/pattern\n",
                fmt(summarise(t_set)).c_str());
    std::printf(
        "    PCRE2 PCRE2_INFO_SIZE:         %zu B/pattern; PCRE2_INFO_JITSIZE: %zu B/pattern (JIT "
        "code is mmap'd, not malloc'd)\n",
        info_size / n, info_jit / n);
    std::printf("    PCRE2 malloc'd (code+JIT ctl): %zu B/pattern\n", mem_pc / n);
    std::printf(
        "    RE2 malloc'd after compile:    %zu B/pattern (ProgramSize %lld insts/pattern)\n",
        mem_re2 / n, (long long)(re2_prog / n));
    std::printf("    RE2 malloc'd after matching:   %zu B/pattern (lazily built DFA states)\n",
                mem_re2_warm / n);
    std::printf(
        "    RE2::Set malloc'd:             %zu B/pattern after Compile, %zu B/pattern after "
        "matching\n",
        mem_set / n, mem_set_warm / n);
}

// ---------------------------------------------------------------------------------------------
// 5. Pathological patterns

void section_patho() {
    std::printf("\n== 5. pathological patterns (time per attempt, median [min..max]) ==\n");
    struct pcase {
        const char* pattern;
        std::string subject;
    };
    std::vector<pcase> cases;
    for (int len : {24, 32, 1000, 32000}) cases.push_back({"(a+)+$", std::string(len, 'a') + "b"});
    auto slashes = [](int k) {
        std::string s = "/";
        for (int i = 0; i < k; ++i) s += "a/";
        return s + "end/x";
    };
    cases.push_back({"/(.*)/(.*)/end", slashes(2000)});
    cases.push_back({"/(.*)/(.*)/(.*)/end", slashes(100)});
    cases.push_back({"/(.*)/(.*)/(.*)/end", slashes(16000)});
    cases.push_back({"(\\w+\\s?)*$", std::string(32000, 'a') + "!"});
    cases.push_back({"/docs/(.+)/tables/(.+)", "/docs/" + std::string(32000, 'x')});

    for (uint32_t limit : {10'000'000u, 1'000'000u, 100'000u}) {
        pcre2_matcher jm(limit);
        for (const auto& c : cases) {
            auto pc = pcre2_compile_route(c.pattern, true, nullptr);
            auto pi = pcre2_compile_route(c.pattern, false, nullptr);
            int rj = jm.match(pc.p, c.subject);
            int ri = jm.match(pi.p, c.subject);
            int saved = g_reps;
            g_reps = 3;
            auto sj = time_ns([&] { sink(jm.match(pc.p, c.subject)); }, 1);
            auto si = time_ns([&] { sink(jm.match(pi.p, c.subject)); }, 1);
            g_reps = saved;
            std::printf("  limit %-9u %-24s len %-6zu  jit: %-12s %-22s interp: %-12s %s\n", limit,
                        c.pattern, c.subject.size(),
                        rj == PCRE2_ERROR_NOMATCH ? "no match"
                        : rj > 0                  ? "match"
                                                  : pcre2_error(rj).c_str(),
                        fmt({sj.median / 1e3, sj.lo / 1e3, sj.hi / 1e3}, "us").c_str(),
                        ri == PCRE2_ERROR_NOMATCH ? "no match"
                        : ri > 0                  ? "match"
                                                  : pcre2_error(ri).c_str(),
                        fmt({si.median / 1e3, si.lo / 1e3, si.hi / 1e3}, "us").c_str());
            std::fflush(stdout);
        }
    }
    for (const auto& c : cases) {
        RE2 re(c.pattern, re2_options());
        re2::StringPiece g[4];
        bool ok = re.Match(c.subject, 0, c.subject.size(), RE2::ANCHOR_BOTH, nullptr, 0);
        auto s = time_ns(
            [&] { sink(re.Match(c.subject, 0, c.subject.size(), RE2::ANCHOR_BOTH, nullptr, 0)); },
            5);
        auto sc = time_ns(
            [&] {
                sink(re.Match(c.subject, 0, c.subject.size(), RE2::ANCHOR_BOTH, g,
                              std::min(4, re.NumberOfCapturingGroups() + 1)));
            },
            5);
        std::printf("  re2 %-24s len %-6zu  %-9s DFA: %-22s with captures: %s\n", c.pattern,
                    c.subject.size(), ok ? "match" : "no match",
                    fmt({s.median / 1e3, s.lo / 1e3, s.hi / 1e3}, "us").c_str(),
                    fmt({sc.median / 1e3, sc.lo / 1e3, sc.hi / 1e3}, "us").c_str());
    }
}

// ---------------------------------------------------------------------------------------------
// 6. The match limit that realistic patterns need on long (32 KB) paths

void section_limit() {
    std::printf(
        "\n== 6. smallest match limit that realistic patterns need (JIT / interpreter) ==\n");
    auto rep = [](const std::string& u, int k) {
        std::string s;
        for (int i = 0; i < k; ++i) s += u;
        return s;
    };
    struct lcase {
        const char* pattern;
        std::string subject;
    };
    std::vector<lcase> cases = {
        {"/myapi/detail/(.+)", "/myapi/detail/" + std::string(32000, 'x')},
        {"/docs/(.+)/tables/(.+)", "/docs/" + rep("a/tables/", 3500)},
        {"/docs/(.+)/tables/(.+)", "/docs/" + rep("a/", 16000)},
        {"/docs/([^/]+)/tables/([^/]+)", "/docs/" + std::string(32000, 'a') + "/tables/x"},
        {"/api/.*/orders/(\\d+)", "/api/" + rep("x/orders/", 3500) + "y"},
        {"/static/(.*)\\.(js|css|png)", "/static/" + rep("a.b", 10000)},
        {"/(.*)/(.*)/end", "/" + rep("a/", 16000) + "end/x"},
        {"/(.*)/(.*)/end", "/" + rep("a/", 2000) + "end/x"},
        {"/(.*)/(.*)/end", "/" + rep("a/", 200) + "end/x"},
        {"/(.*)/(.*)/(.*)/end", "/" + rep("a/", 200) + "end/x"},
        {"/(.*)/(.*)/(.*)/end", "/" + rep("a/", 50) + "end/x"},
        {"/api/(users|accounts)/([0-9a-f-]{36})", "/api/users/" + std::string(32000, 'a')},
    };
    for (const auto& c : cases) {
        uint32_t need[2];
        int result[2];
        for (int jit = 1; jit >= 0; --jit) {
            auto pc = pcre2_compile_route(c.pattern, jit, nullptr);
            uint32_t lo = 1, hi = 100'000'000;
            pcre2_matcher probe(hi);
            result[jit] = probe.match(pc.p, c.subject);
            if (result[jit] < 0 && result[jit] != PCRE2_ERROR_NOMATCH) {
                need[jit] = 0;
                continue;
            }  // fails even at 1e8
            while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;
                pcre2_matcher m(mid);
                int rc = m.match(pc.p, c.subject);
                if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            need[jit] = lo;
        }
        auto res = [](int rc) {
            return rc > 0                      ? std::string("match")
                   : rc == PCRE2_ERROR_NOMATCH ? std::string("no match")
                                               : pcre2_error(rc);
        };
        std::printf("  %-38s len %-6zu jit: %-9s needs %-9u interp: %-22s needs %u\n", c.pattern,
                    c.subject.size(), res(result[1]).c_str(), need[1], res(result[0]).c_str(),
                    need[0]);
    }
}

// ---------------------------------------------------------------------------------------------
// 7. Two threads sharing one table (a shard each); rig's shards share the compiled table

void section_mt() {
    std::printf("\n== 7. 2 threads (a shard each), N=100, path=last: Mlookups/s in total ==\n");
    std::printf(
        "   shared = both threads use one compiled table; own = each thread compiled its own\n");
    table shared(100);
    std::string path = shared.routes[99].probe;
    auto run = [&](int threads, const std::string& which, bool own) {
        std::vector<double> v;
        std::vector<std::unique_ptr<table>> copies;
        for (int k = 0; k < threads && own; ++k) copies.push_back(std::make_unique<table>(100));
        for (int r = 0; r < g_reps; ++r) {
            std::atomic<long> total{0};
            std::atomic<bool> stop{false};
            std::vector<std::thread> ts;
            for (int k = 0; k < threads; ++k) {
                ts.emplace_back([&, k] {
                    const table& t = own ? *copies[k] : shared;
                    pcre2_matcher m(1'000'000, t.max_pairs);
                    std::vector<int> scratch;
                    long cnt = 0;
                    while (!stop.load(std::memory_order_relaxed)) {
                        for (int i = 0; i < 64; ++i) {
                            if (which == "pcre2-jit")
                                sink(lookup_pcre2(t, t.jit, m, path, false).index);
                            else if (which == "re2-loop")
                                sink(lookup_re2_loop(t, path).index);
                            else
                                sink(lookup_re2_set(t, path, scratch).index);
                        }
                        cnt += 64;
                    }
                    total += cnt;
                });
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            stop = true;
            for (auto& th : ts) th.join();
            v.push_back(total.load() / 0.2 / 1e6);
        }
        return summarise(v);
    };
    for (const char* w : {"pcre2-jit", "re2-loop", "re2-set"}) {
        auto one = run(1, w, false);
        auto two = run(2, w, false);
        auto two_own = run(2, w, true);
        std::printf("    %-10s 1 thread: %-20s 2 threads shared: %-20s 2 threads own: %s\n", w,
                    fmt(one).c_str(), fmt(two).c_str(), fmt(two_own).c_str());
        std::fflush(stdout);
    }
}

// ---------------------------------------------------------------------------------------------
// 8. RE2::Set's DFA memory under many different paths (N = 1000)

void section_setmem() {
    std::printf("\n== 8. RE2::Set under 200000 varied paths: DFA failures and heap ==\n");
    for (int n : {100, 1000}) {
        std::vector<route> routes;
        for (int i = 0; i < n; ++i) routes.push_back(make_route(i, n));
        uint64_t x = 88172645463325252ull;  // xorshift
        auto rnd = [&] {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            return x;
        };
        std::vector<std::string> paths;
        for (int i = 0; i < 200000; ++i) {
            std::string p = routes[rnd() % n].probe;
            int edits = 1 + rnd() % 3;  // mutate a few bytes so many paths match nothing
            for (int e = 0; e < edits; ++e) p[rnd() % p.size()] = "/ab9-.%Z"[rnd() % 8];
            if (rnd() % 4 == 0)
                p += std::string(rnd() % 200, "xy/"[rnd() % 3]);
            paths.push_back(std::move(p));
        }
        for (int64_t mem : {int64_t(8) << 20, int64_t(64) << 20}) {
            std::size_t h0 = heap_in_use();
            RE2::Set set(re2_options(mem), RE2::ANCHOR_BOTH);
            for (const auto& r : routes) set.Add(r.pattern, nullptr);
            if (!set.Compile()) {  // Match() on a set that failed to compile crashes: never call it
                std::printf("    N=%d max_mem %lld MB: Compile() failed\n", n,
                            (long long)(mem >> 20));
                continue;
            }
            std::size_t h1 = heap_in_use();
            std::vector<int> m;
            long failures = 0, matches = 0;
            auto t0 = clk::now();
            for (const auto& p : paths) {
                RE2::Set::ErrorInfo ei;
                if (set.Match(p, &m, &ei))
                    ++matches;
                else if (ei.kind != RE2::Set::kNoError)
                    ++failures;
            }
            double ns =
                std::chrono::duration<double, std::nano>(clk::now() - t0).count() / paths.size();
            std::size_t h2 = heap_in_use();
            std::printf(
                "    N=%-5d max_mem %3lld MB: compiled %zu KB, after matching %zu KB, %ld matched, "
                "%ld DFA failures, %.0f ns/path\n",
                n, (long long)(mem >> 20), (h1 - h0) / 1024, (h2 - h0) / 1024, matches, failures,
                ns);
        }
        if (n == 1000) {  // cross-check the three lookups on the first 20000 paths
            table t(n);
            pcre2_matcher pm(1'000'000, t.max_pairs);
            std::vector<int> scratch;
            long disagree = 0;
            for (int i = 0; i < 20000; ++i) {
                hit a = lookup_pcre2(t, t.jit, pm, paths[i], false),
                    b = lookup_re2_loop(t, paths[i]), c = lookup_re2_set(t, paths[i], scratch);
                if (a.index != b.index || a.index != c.index || a.g1 != b.g1 || a.g2 != c.g2 ||
                    a.g1 != c.g1 || a.g2 != b.g2)
                    ++disagree;
            }
            std::printf(
                "    cross-check on 20000 paths (N=1000): pcre2-jit, re2-loop and re2-set disagree "
                "on %ld\n",
                disagree);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string which = argc > 1 ? argv[1] : "all";
    if (argc > 2)
        g_reps = std::max(1, std::atoi(argv[2]));
    uint32_t v = 0;
    char ver[64];
    pcre2_config(PCRE2_CONFIG_VERSION, ver);
    pcre2_config(PCRE2_CONFIG_JIT, &v);
    std::printf("PCRE2 %s (JIT %s), RE2 (Debian 12 libre2-9 20220601), reps %d\n", ver,
                v ? "available" : "absent", g_reps);
    if (which == "all" || which == "compat")
        section_compat();
    if (which == "all" || which == "route")
        section_route();
    if (which == "all" || which == "replace")
        section_replace();
    if (which == "all" || which == "compile")
        section_compile();
    if (which == "all" || which == "patho")
        section_patho();
    if (which == "all" || which == "limit")
        section_limit();
    if (which == "all" || which == "mt")
        section_mt();
    if (which == "all" || which == "setmem")
        section_setmem();
    return 0;
}
