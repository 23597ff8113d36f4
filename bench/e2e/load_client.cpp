// load_client: closed-loop load on fdsapi virtualChannelOpen through Apache Thrift's C++
// library (one framed binary connection per thread).
//
//   load_client --host H --port P --threads N --seconds S [--warmup-seconds W]
//               [--cpu NAME=PID]...
//
// Prints one line:
//   calls=<n> seconds=<s> calls_per_s=<x> p50_us=<a> p99_us=<b> errors=<e>
//   [cpu_client_us=<c> cpu_client_cores=<k> cpu_client_sys_us=<s> cpu_NAME_us=<c> cpu_NAME_cores=<k> cpu_NAME_sys_us=<s>...]
// counting only calls started after the warmup.
//
// CPU per call: the user+system CPU time of this process (cpu_client_*) and of each --cpu
// process, all threads including those that exited, read at the start of the measured window
// (the end of the warmup) and at its end (when every thread has finished its last call, before
// any connection is closed), divided by the calls counted; _cores is the same CPU time over
// the window's wall time. Read through clock_getcpuclockid (ns), or /proc/PID/stat
// utime+stime (clock ticks) where that clock is not available; "n/a" when neither is
// readable (the process is gone). _sys_us is the kernel's part of _us (system time from
// /proc/PID/stat, in clock ticks of 10 ms: about 1 % of a 5 s run at one core). With --cpu, also cpu_other_cores=<k>: the busy time of all
// CPUs (/proc/stat user+nice+system+irq+softirq) over the window less that of the processes
// measured, in cores: what else was running (other programs, interrupt time not charged to
// a process). An error is a failed call (exception) or an
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
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <latch>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

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
    std::vector<std::pair<std::string, pid_t>> cpu; // --cpu NAME=PID, in order
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
                         "[--warmup-seconds W] [--cpu NAME=PID]...\n");
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
        else if (flag == "--cpu") {
            const char* eq = std::strchr(value, '=');
            // "client" is this process's own name in the output.
            if (!eq || eq == value || std::string(value, eq) == "client" || std::atoi(eq + 1) <= 0)
                usage();
            o.cpu.emplace_back(std::string(value, eq), static_cast<pid_t>(std::atoi(eq + 1)));
        }
        else
            usage();
    }
    if (o.port <= 0 || o.threads <= 0 || o.seconds <= 0 || o.warmup < 0)
        usage();
    return o;
}

// utime and stime of a process (every thread, exited ones too) in ns from /proc/PID/stat
// (clock ticks), or false if it is gone.
bool stat_times_ns(pid_t pid, int64_t& user_ns, int64_t& system_ns)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the command name, which is in parentheses and may hold spaces: state is
    // field 3, utime and stime fields 14 and 15.
    auto paren = text.rfind(')');
    if (paren == std::string::npos)
        return false;
    std::istringstream fields(text.substr(paren + 1));
    std::string skip;
    for (int field = 3; field <= 13; ++field)
        fields >> skip;
    int64_t utime = 0, stime = 0;
    if (!(fields >> utime >> stime))
        return false;
    const int64_t tick_ns = 1'000'000'000 / sysconf(_SC_CLK_TCK);
    user_ns = utime * tick_ns;
    system_ns = stime * tick_ns;
    return true;
}

// CPU time (user + system, every thread of the process, exited ones too) in ns, or -1.
int64_t process_cpu_ns(pid_t pid)
{
    clockid_t clock;
    timespec ts{};
    if (clock_getcpuclockid(pid, &clock) == 0 && clock_gettime(clock, &ts) == 0)
        return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    int64_t user_ns, system_ns;
    return stat_times_ns(pid, user_ns, system_ns) ? user_ns + system_ns : -1;
}

// The system (kernel) part of a process's CPU time in ns, or -1.
int64_t process_system_ns(pid_t pid)
{
    int64_t user_ns, system_ns;
    return stat_times_ns(pid, user_ns, system_ns) ? system_ns : -1;
}

// Busy time of all CPUs together in ns, or -1.
int64_t machine_busy_ns()
{
    std::ifstream stat("/proc/stat");
    std::string cpu;
    int64_t user, nice, system, idle, iowait, irq, softirq;
    if (!(stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq) || cpu != "cpu")
        return -1;
    return (user + nice + system + irq + softirq) * (1'000'000'000 / sysconf(_SC_CLK_TCK));
}

struct CpuSample {
    std::vector<int64_t> ns;        // this process first, then the --cpu processes in order
    std::vector<int64_t> system_ns; // the kernel's part of each, in the same order
    int64_t machine_ns = -1;
};

CpuSample sample_cpu(const Options& o)
{
    CpuSample s;
    s.machine_ns = machine_busy_ns();
    s.ns.push_back(process_cpu_ns(getpid()));
    s.system_ns.push_back(process_system_ns(getpid()));
    for (const auto& [name, pid] : o.cpu) {
        s.ns.push_back(process_cpu_ns(pid));
        s.system_ns.push_back(process_system_ns(pid));
    }
    return s;
}

void run_thread(const Options& o, const Window& window, std::latch& connected,
                std::latch& go, std::latch& finished, std::latch& release, ThreadResult& result)
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
    // The connection stays open until main has read the CPU counters: closing it is not part
    // of the measured window.
    finished.count_down();
    release.wait();
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
    std::latch finished(o.threads);
    std::latch release(1);
    Window window;
    std::vector<std::thread> threads;
    for (auto& r : results)
        threads.emplace_back(run_thread, std::cref(o), std::cref(window), std::ref(connected),
                             std::ref(go), std::ref(finished), std::ref(release), std::ref(r));

    connected.wait();
    auto to_duration = [](double s) {
        return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
    };
    window.measure_from = Clock::now() + to_duration(o.warmup);
    window.until = window.measure_from + to_duration(o.seconds);
    go.count_down();
    std::this_thread::sleep_until(window.measure_from);
    CpuSample cpu_from = sample_cpu(o);
    Clock::time_point cpu_wall_from = Clock::now();
    finished.wait();
    CpuSample cpu_until = sample_cpu(o);
    double cpu_wall_s = std::chrono::duration<double>(Clock::now() - cpu_wall_from).count();
    release.count_down();
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
    std::printf("calls=%zu seconds=%.3f calls_per_s=%.1f p50_us=%.1f p99_us=%.1f errors=%" PRIu64,
                all.size(), seconds, static_cast<double>(all.size()) / seconds,
                percentile_us(all, 0.50), percentile_us(all, 0.99), errors);
    bool all_read = cpu_until.machine_ns >= cpu_from.machine_ns && cpu_from.machine_ns >= 0;
    int64_t measured_ns = 0;
    for (size_t i = 0; i < cpu_from.ns.size(); ++i) {
        const char* name = i == 0 ? "client" : o.cpu[i - 1].first.c_str();
        int64_t from = cpu_from.ns[i], until = cpu_until.ns[i];
        if (from < 0 || until < from || all.empty() || cpu_wall_s <= 0) {
            std::printf(" cpu_%s_us=n/a cpu_%s_cores=n/a cpu_%s_sys_us=n/a", name, name, name);
            all_read = false;
            continue;
        }
        measured_ns += until - from;
        double cpu_s = static_cast<double>(until - from) / 1e9;
        std::printf(" cpu_%s_us=%.2f cpu_%s_cores=%.3f", name,
                    cpu_s * 1e6 / static_cast<double>(all.size()), name, cpu_s / cpu_wall_s);
        int64_t sys_from = cpu_from.system_ns[i], sys_until = cpu_until.system_ns[i];
        if (sys_from < 0 || sys_until < sys_from)
            std::printf(" cpu_%s_sys_us=n/a", name);
        else
            std::printf(" cpu_%s_sys_us=%.2f", name,
                        static_cast<double>(sys_until - sys_from) / 1e3 / static_cast<double>(all.size()));
    }
    if (!o.cpu.empty()) {
        if (all_read && cpu_wall_s > 0)
            std::printf(" cpu_other_cores=%.3f",
                        static_cast<double>(cpu_until.machine_ns - cpu_from.machine_ns - measured_ns)
                            / 1e9 / cpu_wall_s);
        else
            std::printf(" cpu_other_cores=n/a");
    }
    std::printf("\n");
    return all.empty() ? 1 : 0;
}
