namespace SessionManager.IntegrationTests.Support;

public sealed class TempDirectory : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("sm-it-");

    public string Path => _directory.FullName;

    public void Dispose()
    {
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // a process may still hold a file; the temp dir is cleaned by the OS
        }
    }
}
