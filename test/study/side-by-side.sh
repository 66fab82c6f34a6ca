# Sourced by the CNN studies (wtag-vs-pytorch.sh, deeptop-vs-pytorch.sh): trains one
# architecture with jetml and with PyTorch on the same split, side by side, one seed.
#   side_by_side ARCH SEED THREADS
# Needs $bin (jetml's bin/), $py (Debian python), $here (test/study) and, in the current
# folder, train-x.npy train-y.npy val-x.npy val-y.npy test-x.npy; writes jetml-SEED.{npz,log,npy}
# and torch-SEED.{log,npy}.  Both: Adam lr 1e-3, batch 128, at most 20 epochs, patience 5 on the
# validation loss, the best epoch kept.  PyTorch runs at its best settings (OpenMP OpenBLAS,
# malloc kept from returning memory, see STYLE.md).
side_by_side() {
    ( "$bin/train" train-x.npy -l train-y.npy --val val-x.npy --val-labels val-y.npy --arch "$1" \
        --epochs 20 --patience 5 --seed "$2" --threads "$3" -o "jetml-$2.npz" 2> "jetml-$2.log" &&
      "$bin/predict" -q --threads "$3" -m "jetml-$2.npz" test-x.npy -o "jetml-$2.npy" ) &
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp MALLOC_MMAP_MAX_=0 \
        MALLOC_TRIM_THRESHOLD_=17179869184 $py "$here/../bench/torch_nn_ref.py" --arch "$1" \
        --x train-x.npy --y train-y.npy --val-x val-x.npy --val-y val-y.npy \
        --test-x test-x.npy --test-y test-y.npy --epochs 20 --patience 5 --seed "$2" \
        --threads "$3" --scores "torch-$2.npy" > "torch-$2.log" 2>&1 ||
        { echo "PyTorch training failed, see torch-$2.log" >&2; return 1; }
    wait $! || { echo "jetml training failed, see jetml-$2.log" >&2; return 1; }
}
