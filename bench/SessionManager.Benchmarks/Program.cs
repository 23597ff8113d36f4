using System.Reflection;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace SessionManager.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        // Results go to bench/SessionManager.Benchmarks/BenchmarkDotNet.Artifacts (git-ignored)
        // rather than into whatever directory `dotnet run` was started from.
        var config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(ProjectDirectory(), "BenchmarkDotNet.Artifacts"));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }

    private static string ProjectDirectory() =>
        typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ProjectDirectory")?.Value
        ?? AppContext.BaseDirectory;
}
