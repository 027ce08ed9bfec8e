package org.cohort.simulation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cohort.learning.data.SplitData;
import org.cohort.learning.data.TabularDataset;
import org.cohort.learning.model.ModelSpec;
import org.cohort.learning.model.ParameterVectors;
import org.cohort.learning.train.EvaluationResult;
import org.cohort.learning.train.Evaluator;
import org.cohort.learning.train.LocalTrainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * What federation is compared with: the same model trained centrally on the pooled training
 * rows (impossible in practice — the data may not move — but the ceiling to aim for) and on
 * each site's rows alone, for as many epochs as a site trains across all rounds, evaluated on
 * the same held-out rows.
 */
final class Baselines {
    private Baselines() {}

    record Result(Accuracies central, Map<String, Accuracies> singleSite) {}

    static Result compute(DemoData data, String configJson, long initSeed, int totalEpochs) {
        List<SplitData> sites = data.preparedSites();
        var names = data.sites().stream().map(DemoData.Site::name).toList();
        var pooledTrain =
                TabularDataset.concat(sites.stream().map(SplitData::train).toList());
        Accuracies central = evaluate(train(configJson, initSeed, pooledTrain, totalEpochs), sites, names);
        var single = new LinkedHashMap<String, Accuracies>();
        for (int i = 0; i < sites.size(); i++) {
            single.put(
                    names.get(i),
                    evaluate(train(configJson, initSeed, sites.get(i).train(), totalEpochs), sites, names));
        }
        return new Result(central, single);
    }

    static MultiLayerNetwork train(String configJson, long initSeed, TabularDataset train, int epochs) {
        var net = new ModelSpec(configJson).newNetwork();
        ParameterVectors.write(net, ParameterVectors.initialParameters(configJson, initSeed));
        LocalTrainer.train(net, train, DemoPlan.plan(epochs));
        return net;
    }

    static Accuracies evaluate(MultiLayerNetwork net, List<SplitData> sites, List<String> names) {
        if (!sites.isEmpty() && sites.getFirst().test().isSurvival()) {
            return concordance(net, sites, names);
        }
        var bySite = new LinkedHashMap<String, Double>();
        var all = new ArrayList<EvaluationResult>();
        for (int i = 0; i < sites.size(); i++) {
            var r = Evaluator.evaluate(net, sites.get(i).test());
            bySite.put(names.get(i), r.accuracy());
            all.add(r);
        }
        return new Accuracies(bySite, EvaluationResult.pooled(all).accuracy());
    }

    /**
     * A survival model's Harrell's C-index on each site's held-out patients, and pooled over all of
     * them as one test set (pairs across sites included).
     */
    static Accuracies concordance(MultiLayerNetwork net, List<SplitData> sites, List<String> names) {
        var bySite = new LinkedHashMap<String, Double>();
        for (int i = 0; i < sites.size(); i++) {
            bySite.put(
                    names.get(i),
                    Evaluator.evaluateSurvival(net, sites.get(i).test()).cIndex());
        }
        var pooled = TabularDataset.concat(sites.stream().map(SplitData::test).toList());
        return new Accuracies(bySite, Evaluator.evaluateSurvival(net, pooled).cIndex());
    }
}
