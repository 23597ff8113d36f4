using SessionManager.Hosting;

return await DaemonRunner.RunAsync(SessionManagerHost.CreateBuilder(args));
