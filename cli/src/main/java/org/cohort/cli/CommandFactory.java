package org.cohort.cli;

import java.lang.reflect.Constructor;
import picocli.CommandLine;

/**
 * Makes the commands picocli instantiates, giving each that asks for it the {@link CommandContext};
 * everything else (mixins, converters, picocli's own help command) is made as picocli would.
 */
final class CommandFactory implements CommandLine.IFactory {
    private final CommandContext context;

    CommandFactory(CommandContext context) {
        this.context = context;
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (c.getParameterCount() == 1 && c.getParameterTypes()[0] == CommandContext.class) {
                c.setAccessible(true);
                return type.cast(c.newInstance(context));
            }
        }
        return CommandLine.defaultFactory().create(type);
    }
}
