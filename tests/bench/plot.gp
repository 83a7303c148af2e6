# plot.gp - latency distributions of the benchmark (run.sh sets dir, out).
# Each lat-*.dat holds "latency_us quantile" for quantiles 0..1.
set terminal pngcairo size 1100,700 font ",10"
set output out
set title "intxd: raise -> client handler latency (CDF, same run)"
set xlabel "latency (us, log scale)"
set ylabel "fraction of interrupts"
set logscale x
set grid xtics mxtics ytics
set key right bottom
set yrange [0:1]
f(n) = sprintf("%s/lat-%s.dat", dir, n)
plot f("pingpong-1cpu")    using 1:2 with lines lw 2 dt 3 title "floor: eventfd ping-pong, 1 CPU", \
     f("relay-efd-1cpu")   using 1:2 with lines lw 2 dt 2 title "floor: minimal relay (eventfds), 1 CPU", \
     f("relay-sim-1cpu")   using 1:2 with lines lw 2 dt 4 title "floor: minimal relay + sim device work, 1 CPU", \
     f("intxd-1cpu")       using 1:2 with lines lw 3 title "intxd selective, 1 client, 1 CPU", \
     f("relay-efd-cross")  using 1:2 with lines lw 2 dt 2 title "floor: minimal relay, cross-CPU", \
     f("intxd-cross")      using 1:2 with lines lw 3 title "intxd selective, cross-CPU", \
     f("selective-64")     using 1:2 with lines lw 2 title "intxd selective, 64 clients on the line (owner)", \
     f("broadcast-16")     using 1:2 with lines lw 2 title "broadcast, 16 clients (owner)", \
     f("broadcast-64")     using 1:2 with lines lw 2 title "broadcast, 64 clients (owner)"
