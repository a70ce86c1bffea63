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

    /** CPU counters at one instant: ticks of every process by pid, with its command name. */
    record Snapshot(long nanos, long serverPid, long clientPid, long postmasterPid, Map<Long, Long> ticks,
                    Map<Long, String> names, Map<Long, Long> parents, long machineBusy, long machineTotal) {}

    /**
     * The postmaster of the benchmarked PostgreSQL: its processes are "PostgreSQL" in the CPU split; other
     * PostgreSQL servers on the machine (tests' embedded ones, say) count as "other". -1 when unknown: then
     * every process named postgres counts.
     */
    static volatile long postmasterPid = -1;

    /** CPU use between two snapshots, in cores (1.0 = one core fully busy). */
    record CpuUse(double server, double postgres, double client, double machine, int cores,
                  Map<String, Double> otherProcesses) {
        /** Busy CPU not used by the server, PostgreSQL or this client: other programs and the kernel. */
        double other() {
            return Math.max(0, machine - (Double.isNaN(server) ? 0 : server) - postgres - client);
        }

        /** The other processes that used at least {@code minCores}, busiest first, e.g. "java 0.45, javac 0.10". */
        String otherProcessesAbove(double minCores) {
            StringBuilder sb = new StringBuilder();
            otherProcesses.entrySet().stream()
                    .filter(e -> e.getValue() >= minCores)
                    .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                    .forEach(e -> sb.append(sb.length() == 0 ? "" : ", ")
                            .append(e.getKey()).append(String.format(java.util.Locale.ROOT, " %.2f", e.getValue())));
            return sb.toString();
        }
    }

    private ProcStats() {}

    static Snapshot snapshot(long serverPid) {
        Map<Long, Long> ticks = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        Map<Long, Long> parents = new HashMap<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : proc) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                long[] stat = processStat(pid);
                if (stat == null) {
                    continue;
                }
                ticks.put(pid, stat[0]);
                parents.put(pid, stat[1]);
                try {
                    names.put(pid, Files.readString(p.resolve("comm")).trim());
                } catch (IOException | RuntimeException gone) {
                    names.put(pid, "?");
                }
            }
        } catch (IOException e) {
            // Not Linux: no CPU breakdown.
        }
        long self = ProcessHandle.current().pid();
        ticks.putIfAbsent(self, processTicks(self));
        long[] machine = machineTicks();
        return new Snapshot(System.nanoTime(), serverPid, self, postmasterPid, ticks, names, parents, machine[0],
                machine[1]);
    }

    static CpuUse between(Snapshot a, Snapshot b) {
        double seconds = (b.nanos() - a.nanos()) / 1e9;
        double perTick = 1 / TICKS_PER_SECOND / seconds;
        long server = -1;
        long pg = 0;
        long client = 0;
        Map<String, Double> others = new HashMap<>();
        for (Map.Entry<Long, Long> e : b.ticks().entrySet()) {
            long pid = e.getKey();
            long delta = e.getValue() - a.ticks().getOrDefault(pid, 0L);
            if (delta < 0) {
                continue;
            }
            String name = b.names().getOrDefault(pid, "?");
            if (pid == b.serverPid()) {
                server = delta;
            } else if (pid == b.clientPid()) {
                client = delta;
            } else if (b.postmasterPid() > 0
                    ? pid == b.postmasterPid() || b.parents().getOrDefault(pid, -1L) == b.postmasterPid()
                    : name.equals("postgres") || name.startsWith("postgres:")) {
                pg += delta;
            } else if (delta > 0) {
                others.merge(name + "[" + pid + "]", delta * perTick, Double::sum);
            }
        }
        int cores = Runtime.getRuntime().availableProcessors();
        long total = b.machineTotal() - a.machineTotal();
        double machine = total <= 0 ? Double.NaN : (double) (b.machineBusy() - a.machineBusy()) / total * cores;
        return new CpuUse(server < 0 ? Double.NaN : server * perTick, pg * perTick, client * perTick, machine, cores,
                others);
    }

    /** utime + stime of a process, or -1 if it cannot be read. */
    static long processTicks(long pid) {
        long[] stat = processStat(pid);
        return stat == null ? -1 : stat[0];
    }

    /** {utime + stime, parent pid} of a process, or null if it cannot be read. */
    static long[] processStat(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After "pid (comm) ": f[0] is field 3 (state), f[1] field 4 (ppid); utime is field 14, stime 15.
            return new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[1])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The parent pid of a process, or -1. */
    static long parentPid(long pid) {
        long[] stat = processStat(pid);
        return stat == null ? -1 : stat[1];
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
