package io.chargebot.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time and memory of processes from Linux /proc: the server (by pid), every PostgreSQL process
 * (comm "postgres") and this load client, plus the whole machine, so a run shows where the two cores went.
 */
final class ProcStats {

    /** Clock ticks per second of /proc/[pid]/stat (USER_HZ, 100 on Linux x86-64). */
    static final double TICKS_PER_SECOND = 100.0;

    /** CPU counters at one instant. */
    record Snapshot(long nanos, long serverTicks, Map<Long, Long> postgresTicks, long clientTicks,
                    long machineBusy, long machineTotal) {}

    /** CPU use between two snapshots, in cores (1.0 = one core fully busy). */
    record CpuUse(double server, double postgres, double client, double machine, int cores) {
        double other() {
            return Math.max(0, machine - server - postgres - client);
        }
    }

    private ProcStats() {}

    static Snapshot snapshot(long serverPid) {
        long server = serverPid > 0 ? processTicks(serverPid) : -1;
        Map<Long, Long> postgres = new HashMap<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : proc) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String comm = Files.readString(p.resolve("comm")).trim();
                    if (comm.equals("postgres") || comm.startsWith("postgres:")) {
                        long pid = Long.parseLong(name);
                        long ticks = processTicks(pid);
                        if (ticks >= 0) {
                            postgres.put(pid, ticks);
                        }
                    }
                } catch (IOException | RuntimeException gone) {
                    // The process exited meanwhile.
                }
            }
        } catch (IOException e) {
            // Not Linux: no CPU breakdown.
        }
        long client = processTicks(ProcessHandle.current().pid());
        long[] machine = machineTicks();
        return new Snapshot(System.nanoTime(), server, postgres, client, machine[0], machine[1]);
    }

    static CpuUse between(Snapshot a, Snapshot b) {
        double seconds = (b.nanos() - a.nanos()) / 1e9;
        double server = a.serverTicks() < 0 || b.serverTicks() < 0 ? Double.NaN
                : (b.serverTicks() - a.serverTicks()) / TICKS_PER_SECOND / seconds;
        long pg = 0;
        for (Map.Entry<Long, Long> e : b.postgresTicks().entrySet()) {
            pg += e.getValue() - a.postgresTicks().getOrDefault(e.getKey(), 0L);
        }
        double postgres = pg / TICKS_PER_SECOND / seconds;
        double client = (b.clientTicks() - a.clientTicks()) / TICKS_PER_SECOND / seconds;
        int cores = Runtime.getRuntime().availableProcessors();
        long total = b.machineTotal() - a.machineTotal();
        double machine = total <= 0 ? Double.NaN : (double) (b.machineBusy() - a.machineBusy()) / total * cores;
        return new CpuUse(server, postgres, client, machine, cores);
    }

    /** utime + stime of a process, or -1 if it cannot be read. */
    static long processTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After "pid (comm) ": f[0] is field 3 (state); utime is field 14, stime field 15.
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** {busy, total} jiffies of all CPUs from /proc/stat. */
    static long[] machineTicks() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** A line of /proc/[pid]/status in kB (e.g. "VmRSS"), or -1. */
    static long statusKb(long pid, String key) {
        if (pid <= 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "?";
        }
        return "?";
    }

    static String commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(raw).replace('\0', ' ').trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
