// single_hop_server: an fdsapi server that answers virtualChannelOpen itself, on Apache
// Thrift's TNonblockingServer (libevent, framed binary). The daemon answers the same call
// after an extra ICP round trip to the RDS server; this server is the "one hop" limit the
// benchmark compares it with.
//
//   single_hop_server --port P [--io-threads N]   (listens on 127.0.0.1; N defaults to the
//                                                  number of CPUs)
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <thrift/server/TNonblockingServer.h>
#include <thrift/transport/TNonblockingServerSocket.h>

#include "fdsapi.h"

using apache::thrift::server::TNonblockingServer;
using apache::thrift::transport::TNonblockingServerSocket;

namespace {

// fdsapiNull answers every other method with its type's zero value.
class Handler : public fdsapi::fdsapiNull {
public:
    void getVersionInfo(fdsapi::TVersion& ret, const fdsapi::TVersion&) override
    {
        ret.__set_VersionMajor(1);
        ret.__set_VersionMinor(1);
    }

    fdsapi::TDWORD ping(const fdsapi::TDWORD input) override { return input; }

    // The same answer the fake RDS server (icp_peer) gives through the daemon.
    void virtualChannelOpen(fdsapi::TReturnVirtualChannelOpen& ret, const std::string&,
                            const fdsapi::TDWORD sessionId, const std::string& virtualName,
                            const bool, const fdsapi::TDWORD) override
    {
        ret.__set_pipeName("vc:" + std::to_string(static_cast<uint32_t>(sessionId)) + ":"
                           + virtualName);
        ret.__set_instance(7);
    }
};

[[noreturn]] void usage()
{
    std::cerr << "usage: single_hop_server --port P [--io-threads N]\n";
    std::exit(1);
}

} // namespace

int main(int argc, char** argv)
{
    int port = 0;
    int io_threads = static_cast<int>(std::thread::hardware_concurrency());
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--port")
            port = std::atoi(argv[i + 1]);
        else if (flag == "--io-threads")
            io_threads = std::atoi(argv[i + 1]);
        else
            usage();
    }
    if (argc % 2 == 0 || port <= 0 || io_threads <= 0)
        usage();
    std::signal(SIGPIPE, SIG_IGN);

    auto processor = std::make_shared<fdsapi::fdsapiProcessor>(std::make_shared<Handler>());
    auto socket = std::make_shared<TNonblockingServerSocket>("127.0.0.1", port);
    TNonblockingServer server(processor, socket);
    server.setNumIOThreads(static_cast<size_t>(io_threads));
    server.serve();
}
