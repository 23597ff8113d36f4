// load_client: closed-loop load on fdsapi virtualChannelOpen through Apache Thrift's C++
// library (one framed binary connection per thread).
//
//   load_client --host H --port P --threads N --seconds S [--warmup-seconds W]
//
// Prints one line:
//   calls=<n> seconds=<s> calls_per_s=<x> p50_us=<a> p99_us=<b> errors=<e>
// counting only calls started after the warmup. An error is a failed call (exception) or an
// answer with an empty pipeName: the daemon's negative answer, which would otherwise pass
// for a fast success without the ICP round trip being measured.
// Exit status 0 when at least one call succeeded, 1 otherwise (the line is printed anyway).
// The first error's message goes to stderr.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>

#include "fdsapi.h"

using namespace apache::thrift::protocol;
using namespace apache::thrift::transport;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    std::string host = "127.0.0.1";
    int port = 0;
    int threads = 1;
    double seconds = 5;
    double warmup = 1;
};

// Set by main before the threads are released, read-only afterwards.
struct Window {
    Clock::time_point measure_from;
    Clock::time_point until;
};

struct ThreadResult {
    std::vector<int64_t> latencies_ns;
    uint64_t errors = 0;
    std::string first_error;
    Clock::time_point finished;

    void error(bool measured, const char* what)
    {
        errors += measured;
        if (first_error.empty())
            first_error = what;
    }
};

[[noreturn]] void usage()
{
    std::fprintf(stderr, "usage: load_client --host H --port P --threads N --seconds S "
                         "[--warmup-seconds W]\n");
    std::exit(1);
}

Options parse_args(int argc, char** argv)
{
    Options o;
    if (argc % 2 == 0)
        usage();
    for (int i = 1; i < argc; i += 2) {
        std::string flag = argv[i];
        const char* value = argv[i + 1];
        if (flag == "--host")
            o.host = value;
        else if (flag == "--port")
            o.port = std::atoi(value);
        else if (flag == "--threads")
            o.threads = std::atoi(value);
        else if (flag == "--seconds")
            o.seconds = std::atof(value);
        else if (flag == "--warmup-seconds")
            o.warmup = std::atof(value);
        else
            usage();
    }
    if (o.port <= 0 || o.threads <= 0 || o.seconds <= 0 || o.warmup < 0)
        usage();
    return o;
}

void run_thread(const Options& o, const Window& window, std::latch& connected,
                std::latch& go, ThreadResult& result)
{
    auto socket = std::make_shared<TSocket>(o.host, o.port);
    auto transport = std::make_shared<TFramedTransport>(socket);
    fdsapi::fdsapiClient client(std::make_shared<TBinaryProtocol>(transport));
    // Connecting is not part of the measured loop.
    try {
        transport->open();
    } catch (const TTransportException&) {
        // Retried in the loop, where it is counted.
    }
    connected.count_down();
    go.wait();

    for (;;) {
        Clock::time_point start = Clock::now();
        if (start >= window.until)
            break;
        bool measured = start >= window.measure_from;
        // Fresh each call: Thrift leaves fields absent from the answer untouched.
        fdsapi::TReturnVirtualChannelOpen ret;
        try {
            if (!transport->isOpen())
                transport->open();
            client.virtualChannelOpen(ret, "", 1, "bench", false, 0);
            if (ret.pipeName.empty()) {
                result.error(measured, "empty pipeName");
                continue;
            }
            if (measured)
                result.latencies_ns.push_back(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start)
                        .count());
        } catch (const apache::thrift::TApplicationException& e) {
            // The connection stays usable after an application error.
            result.error(measured, e.what());
        } catch (const apache::thrift::TException& e) {
            // A transport or protocol error leaves the stream unusable: reconnect, without
            // spinning while the server is down.
            result.error(measured, e.what());
            transport->close();
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    result.finished = Clock::now();
}

// Nearest-rank percentile of sorted values.
double percentile_us(const std::vector<int64_t>& sorted, double q)
{
    if (sorted.empty())
        return 0;
    auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return static_cast<double>(sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1]) / 1000.0;
}

} // namespace

int main(int argc, char** argv)
{
    Options o = parse_args(argc, argv);
    // Errors are counted, and the first one reported, instead of Thrift logging each one.
    apache::thrift::GlobalOutput.setOutputFunction([](const char*) {});
    std::vector<ThreadResult> results(static_cast<size_t>(o.threads));
    std::latch connected(o.threads);
    std::latch go(1);
    Window window;
    std::vector<std::thread> threads;
    for (auto& r : results)
        threads.emplace_back(run_thread, std::cref(o), std::cref(window), std::ref(connected),
                             std::ref(go), std::ref(r));

    connected.wait();
    auto to_duration = [](double s) {
        return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
    };
    window.measure_from = Clock::now() + to_duration(o.warmup);
    window.until = window.measure_from + to_duration(o.seconds);
    go.count_down();
    for (auto& t : threads)
        t.join();

    std::vector<int64_t> all;
    uint64_t errors = 0;
    Clock::time_point last = window.until;
    std::string first_error;
    for (auto& r : results) {
        all.insert(all.end(), r.latencies_ns.begin(), r.latencies_ns.end());
        errors += r.errors;
        last = std::max(last, r.finished);
        if (first_error.empty())
            first_error = r.first_error;
    }
    if (!first_error.empty())
        std::fprintf(stderr, "first error: %s\n", first_error.c_str());
    std::sort(all.begin(), all.end());
    // Calls started before the deadline finish after it, so the window ends at the last one.
    double seconds = std::chrono::duration<double>(last - window.measure_from).count();
    std::printf("calls=%zu seconds=%.3f calls_per_s=%.1f p50_us=%.1f p99_us=%.1f errors=%" PRIu64
                "\n",
                all.size(), seconds, static_cast<double>(all.size()) / seconds,
                percentile_us(all, 0.50), percentile_us(all, 0.99), errors);
    return all.empty() ? 1 : 0;
}
