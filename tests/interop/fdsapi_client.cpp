// fdsapi_client: calls one fdsapi method through Apache Thrift's C++ library, the stack the
// WTSAPI of FreeRDS/ogon is built on, and prints the answer as one line.
//
//   fdsapi_client --host H --port P --transport framed|buffered [--protocol binary|compact]
//                 [--tls 0|1] [--token T] METHOD ARGS...
//   --tls 1: as libogon-otsapi connects: TSSLSocket from a TSSLSocketFactory that checks no
//   certificate, and getVersionInfo (printed) before METHOD on the same connection.
//   METHOD: ping N | getVersionInfo | virtualChannelOpen SESSIONID NAME ISDYN(0|1) FLAGS
//           | virtualChannelClose SESSIONID NAME INSTANCE
//
// Exit status: 0 answered, 1 usage, 3 TApplicationException (printed to stdout),
// 4 transport error, 5 protocol error (both printed to stderr).
#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSSLSocket.h>
#include <thrift/transport/TSocket.h>

#include "fdsapi.h"

using apache::thrift::TApplicationException;
using namespace apache::thrift::protocol;
using namespace apache::thrift::transport;

namespace {

// libogon-otsapi's TLS: no certificate check at all. authenticate(false) only turns off
// OpenSSL's verification; TSSLSocket::authorize() would still refuse a self-signed certificate,
// so the client's socket skips it (as ogon's own socket class does).
class UncheckedSSLSocket : public TSSLSocket {
public:
    UncheckedSSLSocket(std::shared_ptr<SSLContext> ctx, const std::string& host, int port)
        : TSSLSocket(ctx, host, port) {}

protected:
    void authorize() override {}
};

class UncheckedSSLSocketFactory : public TSSLSocketFactory {
public:
    std::shared_ptr<TSSLSocket> createSocket(const std::string& host, int port) override
    {
        auto socket = std::make_shared<UncheckedSSLSocket>(ctx_, host, port);
        socket->server(false);
        return socket;
    }
};

struct Options {
    std::string host = "127.0.0.1";
    int port = 9091;
    std::string transport = "framed";
    std::string protocol = "binary";
    std::string token;
    bool tls = false;
    std::vector<std::string> call; // METHOD ARGS...
};

[[noreturn]] void usage()
{
    std::cerr << "usage: fdsapi_client --host H --port P --transport framed|buffered "
                 "[--protocol binary|compact] [--tls 0|1] [--token T] METHOD ARGS...\n"
                 "  ping N | getVersionInfo | virtualChannelOpen SESSIONID NAME ISDYN FLAGS |\n"
                 "  virtualChannelClose SESSIONID NAME INSTANCE\n";
    std::exit(1);
}

// Thrift i32 and ICP uint32 share their 32 bits, so 4294967295 (WTS_CURRENT_SESSION) and -1
// are the same argument.
int32_t parse_i32(const std::string& s)
{
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 0);
    if (errno || *end || s.empty() || v < INT32_MIN || v > UINT32_MAX)
        usage();
    return static_cast<int32_t>(static_cast<uint32_t>(v));
}

Options parse_args(int argc, char** argv)
{
    Options o;
    int i = 1;
    for (; i < argc && std::string(argv[i]).rfind("--", 0) == 0; i++) {
        std::string flag = argv[i];
        if (i + 1 >= argc)
            usage();
        std::string value = argv[++i];
        if (flag == "--host")
            o.host = value;
        else if (flag == "--port")
            o.port = parse_i32(value);
        else if (flag == "--transport")
            o.transport = value;
        else if (flag == "--protocol")
            o.protocol = value;
        else if (flag == "--token")
            o.token = value;
        else if (flag == "--tls" && (value == "0" || value == "1"))
            o.tls = value == "1";
        else
            usage();
    }
    if ((o.transport != "framed" && o.transport != "buffered")
        || (o.protocol != "binary" && o.protocol != "compact") || i >= argc)
        usage();
    o.call.assign(argv + i, argv + argc);
    return o;
}

void expect_args(const std::vector<std::string>& call, size_t count)
{
    if (call.size() != count + 1)
        usage();
}

// Runs the call and prints its answer; the caller maps exceptions to exit codes.
void invoke(fdsapi::fdsapiClient& client, const Options& o)
{
    const auto& c = o.call;
    const std::string& method = c[0];
    if (method == "ping") {
        expect_args(c, 1);
        int32_t result = client.ping(parse_i32(c[1]));
        std::cout << "ping=" << result << "\n";
    } else if (method == "getVersionInfo") {
        expect_args(c, 0);
        fdsapi::TVersion mine, theirs;
        mine.__set_VersionMajor(1);
        mine.__set_VersionMinor(1);
        client.getVersionInfo(theirs, mine);
        std::cout << "version=" << theirs.VersionMajor << "." << theirs.VersionMinor << "\n";
    } else if (method == "virtualChannelOpen") {
        expect_args(c, 4);
        if (c[3] != "0" && c[3] != "1")
            usage();
        fdsapi::TReturnVirtualChannelOpen ret;
        client.virtualChannelOpen(ret, o.token, parse_i32(c[1]), c[2], c[3] == "1",
                                  parse_i32(c[4]));
        std::cout << "pipeName=" << ret.pipeName << " instance=" << ret.instance << "\n";
    } else if (method == "virtualChannelClose") {
        expect_args(c, 3);
        bool ok = client.virtualChannelClose(o.token, parse_i32(c[1]), c[2], parse_i32(c[3]));
        std::cout << "result=" << (ok ? "true" : "false") << "\n";
    } else {
        usage();
    }
}

} // namespace

int main(int argc, char** argv)
{
    Options o = parse_args(argc, argv);
    // The caught exception is reported below; Thrift's own log line would only repeat it.
    apache::thrift::GlobalOutput.setOutputFunction([](const char*) {});

    std::shared_ptr<TSocket> socket;
    if (o.tls) {
        auto factory = std::make_shared<UncheckedSSLSocketFactory>();
        factory->authenticate(false);
        socket = factory->createSocket(o.host, o.port);
    } else {
        socket = std::make_shared<TSocket>(o.host, o.port);
    }
    // A test must fail, not hang, when the daemon does not answer; the daemon's own ICP
    // timeout (10 s) stays well inside this.
    socket->setConnTimeout(5000);
    socket->setRecvTimeout(30000);
    socket->setSendTimeout(30000);
    std::shared_ptr<TTransport> transport;
    if (o.transport == "framed")
        transport = std::make_shared<TFramedTransport>(socket);
    else
        transport = std::make_shared<TBufferedTransport>(socket);
    std::shared_ptr<TProtocol> protocol;
    if (o.protocol == "binary")
        protocol = std::make_shared<TBinaryProtocol>(transport);
    else
        protocol = std::make_shared<TCompactProtocol>(transport);

    try {
        transport->open();
        fdsapi::fdsapiClient client(protocol);
        if (o.tls && o.call[0] != "getVersionInfo") {
            fdsapi::TVersion mine, theirs;
            mine.__set_VersionMajor(1);
            mine.__set_VersionMinor(1);
            client.getVersionInfo(theirs, mine);
            std::cout << "version=" << theirs.VersionMajor << "." << theirs.VersionMinor << "\n";
        }
        invoke(client, o);
        transport->close();
        return 0;
    } catch (const TApplicationException& e) {
        std::cout << "TApplicationException type=" << static_cast<int>(e.getType())
                  << " message=" << e.what() << std::endl;
        return 3;
    } catch (const TTransportException& e) {
        std::cerr << "TTransportException: " << e.what() << std::endl;
        return 4;
    } catch (const TProtocolException& e) {
        std::cerr << "TProtocolException: " << e.what() << std::endl;
        return 5;
    }
}
