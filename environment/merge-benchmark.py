#!/usr/bin/env python3
# Concatenates two `zspk evaluate --benchmark` output folders (different methods, same studies) into the files one run
# with all their methods writes: benchmark.csv (first run's methods, then the second's), and per study folder
# summary.csv and predictions.csv (predicted rows of both, then the known/first-dose check rows of both).
import sys, os
a, b, out = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
def lines(p): return open(p).read().splitlines()
# benchmark.csv: methods of run a, then of run b (each method's studies, MEAN, MEDIAN), as one run writes them
la, lb = lines(os.path.join(a,'benchmark.csv')), lines(os.path.join(b,'benchmark.csv'))
assert la[0]==lb[0]
open(os.path.join(out,'benchmark.csv'),'w').write('\n'.join([la[0]]+la[1:]+lb[1:])+'\n')
for d in sorted(os.listdir(a)):
    pa=os.path.join(a,d)
    if not os.path.isdir(pa): continue
    pb=os.path.join(b,d); po=os.path.join(out,d); os.makedirs(po, exist_ok=True)
    sa, sb = lines(os.path.join(pa,'summary.csv')), lines(os.path.join(pb,'summary.csv'))
    assert sa[0]==sb[0]
    open(os.path.join(po,'summary.csv'),'w').write('\n'.join([sa[0]]+sa[1:]+sb[1:])+'\n')
    qa, qb = lines(os.path.join(pa,'predictions.csv')), lines(os.path.join(pb,'predictions.csv'))
    assert qa[0]==qb[0]
    role = lambda l: l.rsplit(',',1)[1]
    pred = [l for l in qa[1:] if role(l)=='predicted'] + [l for l in qb[1:] if role(l)=='predicted']
    chk = [l for l in qa[1:] if role(l)!='predicted'] + [l for l in qb[1:] if role(l)!='predicted']
    open(os.path.join(po,'predictions.csv'),'w').write('\n'.join([qa[0]]+pred+chk)+'\n')
print('merged into', out)
